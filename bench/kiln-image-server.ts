/**
 * A real Kiln for bench/images: `node bin/kiln.js serve` (from dist/: `npm run build` first) on a
 * temp data dir and a free port, an account made with the CLI, the photos uploaded through the
 * Cloudflare Images v1 API and flexible variants switched on, so `/cdn/images/<hash>/<id>/<options>`
 * runs any options through the server's transform path.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AccountCredentials } from '../src/core/accounts/account.js';
import { type KilnProcess, kilnCli, spawnKiln } from '../test/support/kiln-cluster.js';

export interface KilnImageServer {
  process: KilnProcess;
  account: AccountCredentials;
  /** The flexible-variant delivery URL of uploaded photo `index` with Cloudflare `options`. */
  variantUrl(index: number, options: string): string;
  /** The server's public URL. */
  url: string;
  close(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '..');

export async function startKilnImageServer(
  photos: Array<{ name: string; data: Buffer }>,
  env: Record<string, string> = {},
): Promise<KilnImageServer> {
  if (!existsSync(join(ROOT, 'dist/cli/main.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-bench-images-'));
  const serverEnv = {
    // Readiness is read from the log, so info level; the bench must not meet the rate limiter.
    KILN_LOG_LEVEL: 'info',
    KILN_RATE_LIMIT_IP_PER_MINUTE: '0',
    KILN_RATE_LIMIT_ACCOUNT_PER_MINUTE: '0',
    ...env,
  };
  let proc: KilnProcess | undefined;
  const close = async () => {
    await proc?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    proc = await spawnKiln('bench', 'all', serverEnv, dataDir);
    const account = JSON.parse(
      await kilnCli(['accounts', 'create', '--name', 'bench', '--json'], {
        ...serverEnv,
        KILN_DATA_DIR: dataDir,
      }),
    ) as AccountCredentials;
    const api = `${proc.url}/client/v4/accounts/${account.id}/images/v1`;
    const auth = { authorization: `Bearer ${account.apiToken}` };
    const ids: string[] = [];
    for (const photo of photos) {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(photo.data)], { type: 'image/jpeg' }), photo.name);
      const res = await fetch(api, { method: 'POST', headers: auth, body: form });
      const body = (await res.json()) as { result?: { id: string } };
      if (!res.ok || !body.result)
        throw new Error(`upload ${photo.name}: ${res.status} ${JSON.stringify(body)}`);
      ids.push(body.result.id);
    }
    const config = await fetch(`${api}/config`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ flexible_variants: true }),
    });
    if (!config.ok) throw new Error(`enable flexible variants: ${config.status} ${await config.text()}`);
    const base = `${proc.url}/cdn/images/${account.imagesHash}`;
    return {
      process: proc,
      url: proc.url!,
      account,
      variantUrl: (index, options) => `${base}/${ids[index]}/${options}`,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
