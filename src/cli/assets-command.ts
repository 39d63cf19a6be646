import type { Command } from 'commander';
import { formatBytes, printTable } from './output-table.js';
import { callKiln, remoteFrom, withRemoteOptions } from './remote-options.js';

interface AssetRow {
  id: string;
  kind: string;
  status: string;
  size: number;
  name: string | null;
  createdAt: string;
  url: string | null;
}

/** `kiln ls` and `kiln rm`: an account's assets through the native API. */
export function registerAssetCommands(program: Command): void {
  withRemoteOptions(program.command('ls'))
    .description("list an account's assets, newest first")
    .option('--kind <kind>', 'file, image or video')
    .option('--search <text>', 'only names containing the text')
    .option('--limit <n>', 'how many (default 50)', '50')
    .option('--offset <n>', 'skip this many', '0')
    .action(async (flags) => {
      const remote = remoteFrom(flags);
      const q = new URLSearchParams({ limit: flags.limit, offset: flags.offset });
      if (flags.kind) q.set('kind', flags.kind);
      if (flags.search) q.set('search', flags.search);
      try {
        const list = (await callKiln(remote, `/kiln/v1/assets?${q}`)) as {
          assets: AssetRow[];
          total: number;
        };
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(list)}\n`);
          return;
        }
        printTable(list.assets, [
          ['id', (a) => a.id],
          ['kind', (a) => a.kind],
          ['status', (a) => a.status],
          ['size', (a) => formatBytes(a.size)],
          ['created', (a) => a.createdAt.slice(0, 19).replace('T', ' ')],
          ['name', (a) => a.name ?? ''],
        ]);
        console.log(`${list.assets.length} of ${list.total}`);
      } catch (err) {
        console.error(`kiln: ${(err as Error).message}`);
        process.exit(1);
      }
    });

  withRemoteOptions(program.command('rm'))
    .description('delete assets (their bytes are purged)')
    .argument('<ids...>', 'asset ids')
    .action(async (ids: string[], flags) => {
      const remote = remoteFrom(flags);
      const results: Array<{ id: string; deleted: boolean; error?: string }> = [];
      for (const id of ids) {
        try {
          await callKiln(remote, `/kiln/v1/assets/${encodeURIComponent(id)}`, { method: 'DELETE' });
          results.push({ id, deleted: true });
          if (!flags.json) console.log(`deleted ${id}`);
        } catch (err) {
          results.push({ id, deleted: false, error: (err as Error).message });
          if (!flags.json) console.error(`kiln: ${id}: ${(err as Error).message}`);
        }
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(results)}\n`);
      if (results.some((r) => !r.deleted)) process.exit(1);
    });
}
