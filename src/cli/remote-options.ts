import { type Command, Option } from 'commander';

/** Where a client command talks to: a Kiln server's public URL and an account's API token. */
export interface Remote {
  server: string;
  token: string;
}

export function withRemoteOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--server <url>', 'Kiln server URL (env KILN_URL)'))
    .addOption(new Option('--token <token>', 'API token of the account (env KILN_TOKEN)'))
    .option('--json', 'print JSON instead of a table');
}

export function remoteFrom(flags: { server?: string; token?: string }): Remote {
  const server = (flags.server ?? process.env.KILN_URL ?? '').replace(/\/+$/, '');
  const token = flags.token ?? process.env.KILN_TOKEN ?? '';
  if (!/^https?:\/\//.test(server)) fail('--server or KILN_URL must be the http(s) URL of a Kiln server');
  if (!token) fail('--token or KILN_TOKEN is required (an account API token)');
  return { server, token };
}

/** Calls Kiln's native API; an error answer becomes an Error with the server's message. */
export async function callKiln(remote: Remote, path: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(`${remote.server}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${remote.token}`, ...(init.headers as Record<string, string>) },
  });
  if (!res.ok) throw new Error(await errorMessage(res));
  return res.status === 204 ? null : res.json();
}

export async function errorMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { message?: string } };
    if (body.error?.message) return `${body.error.message} (HTTP ${res.status})`;
  } catch {}
  return `HTTP ${res.status}${text ? `: ${text.trim().slice(0, 200)}` : ''}`;
}

export function fail(message: string): never {
  console.error(`kiln: ${message}`);
  process.exit(2);
}
