import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';

/**
 * The OpenAPI document, generated from the route schemas of every plugin registered after this one
 * (so call it first), at `/openapi.json`, and a browsable page at `/docs/api`.
 */
export async function registerApiDocs(app: FastifyInstance, runtime: KilnRuntime): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Kiln API',
        version: '1',
        description:
          "Kiln's native API (`/kiln/v1`) and the dialects it speaks: Cloudflare Stream and Images (`/client/v4`), Uploadcare (`/uploadcare`), getstream CDN (`/api/v1.0`).",
      },
      servers: [{ url: runtime.config.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: "The account's API token" },
          admin: { type: 'http', scheme: 'bearer', description: 'The operator token, KILN_ADMIN_TOKEN' },
        },
      },
    },
    // Only routes that describe themselves with a schema are documented (not static files, say).
    transform: ({ schema, url, route }) => {
      const documented = schema && Object.keys(schema).length > 0;
      return { schema: documented ? schema : { ...schema, hide: true }, url, route } as never;
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, {
    routePrefix: '/docs/api',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    staticCSP: true,
  });
}
