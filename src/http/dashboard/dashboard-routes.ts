import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { dashboardCsp } from './dashboard-csp.js';
import { playerPageRoute } from './player-page.js';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
/** The dashboard's own files (copied beside the compiled code by the build). */
export const DASHBOARD_STATIC_DIR = join(here, 'static');
/** The prebuilt browser bundles, served straight from node_modules. */
const vendorDir = (pkg: string) => join(dirname(require.resolve(`${pkg}/package.json`)), 'dist');

/**
 * The web dashboard at `/dashboard/` (a static single-page app on Kiln's native API; the API token
 * stays in the browser's sessionStorage) with its vendor bundles, and the video player page.
 */
export async function dashboardRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { deliveryUrl } = opts.runtime.config;
  const pageCsp = dashboardCsp({ deliveryUrl, framable: false });
  const playerCsp = dashboardCsp({ deliveryUrl, framable: true });
  // Every answer of this scope (pages, scripts, vendor bundles, the player page) carries the policy.
  app.addHook('onSend', async (request, reply) => {
    reply.header('content-security-policy', request.url.startsWith('/player') ? playerCsp : pageCsp);
  });
  await app.register(fastifyStatic, {
    root: DASHBOARD_STATIC_DIR,
    prefix: '/dashboard/',
    index: 'index.html',
    cacheControl: true,
    maxAge: 0,
    setHeaders: (res) => {
      res.header('X-Content-Type-Options', 'nosniff');
      res.header('Referrer-Policy', 'same-origin');
    },
  });
  // The router ignores trailing slashes, so this one route answers `/dashboard` and `/dashboard/`.
  app.get('/dashboard/', (_request, reply) => reply.sendFile('index.html'));
  for (const [name, pkg] of [
    ['uppy', 'uppy'],
    ['hls', 'hls.js'],
    ['uplot', 'uplot'],
  ] as const) {
    await app.register(fastifyStatic, {
      root: vendorDir(pkg),
      prefix: `/dashboard/vendor/${name}/`,
      decorateReply: false,
      maxAge: 24 * 3600_000,
    });
  }
  await app.register(playerPageRoute);
}
