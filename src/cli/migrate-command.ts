import type { Command } from 'commander';
import { openDatabase } from '../adapters/db/database.js';
import { migrateToLatest } from '../adapters/db/migrate.js';
import { configFrom, withDataOptions } from './common-options.js';

export function registerMigrateCommand(program: Command): void {
  withDataOptions(program.command('migrate'))
    .description('apply pending database migrations (serve also does this at start)')
    .action(async (flags) => {
      const config = configFrom(flags);
      const database = await openDatabase({ url: config.databaseUrl });
      try {
        const result = await migrateToLatest(database);
        const applied =
          result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      } finally {
        await database.close();
      }
    });
}
