import type { Command } from 'commander';
import { openDatabase } from '../adapters/db/database.js';
import { migrateToLatest } from '../adapters/db/migrate.js';
import type { KilnConfig } from '../config/config.js';
import { limitsOf } from '../core/accounts/account-limits.js';
import { AccountService } from '../core/accounts/account-service.js';
import { SecretBox } from '../core/signing/secret-box.js';
import { resolveMasterKey } from '../runtime/master-key.js';
import { limitsFromFlags, withLimitOptions } from './account-limit-flags.js';
import { configFrom, withDataOptions } from './common-options.js';

/** Opens just what account commands need: the database and the master key (no blobs, no jobs). */
async function withAccounts<T>(config: KilnConfig, fn: (accounts: AccountService) => Promise<T>): Promise<T> {
  const database = await openDatabase({ url: config.databaseUrl });
  try {
    await migrateToLatest(database);
    const box = new SecretBox(await resolveMasterKey(config, database));
    return await fn(new AccountService(database.db, box));
  } finally {
    await database.close();
  }
}

export function registerAccountCommands(program: Command): void {
  const accounts = program.command('accounts').description('manage accounts and their credentials');

  withLimitOptions(withDataOptions(accounts.command('create')))
    .description('create an account and print its credentials (shown only once)')
    .requiredOption('--name <name>', 'account name')
    .option('--json', 'print one JSON object')
    .action(async (flags) => {
      const limits = orExit(() => limitsFromFlags(flags));
      const creds = await withAccounts(configFrom(flags), async (a) => {
        const created = await a.create(flags.name);
        if (Object.keys(limits).length === 0) return created;
        return { ...created, limits: limitsOf((await a.setLimits(created.id, limits)).settings) };
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(creds)}\n`);
        return;
      }
      console.log(`account ${creds.name} (${creds.id})`);
      console.log(`  API token (Cloudflare dialect, Kiln admin): ${creds.apiToken}`);
      console.log(`  Images delivery hash:                      ${creds.imagesHash}`);
      console.log(
        `  Uploadcare public key / secret key:        ${creds.uploadcare.publicKey} / ${creds.uploadcare.secretKey}`,
      );
      console.log(
        `  Stream API key / secret:                   ${creds.stream.apiKey} / ${creds.stream.apiSecret}`,
      );
      console.log(
        `  imgproxy key / salt:                       ${creds.imgproxy.key} / ${creds.imgproxy.salt}`,
      );
      console.log('Store these now: secrets are not shown again.');
    });

  withLimitOptions(withDataOptions(accounts.command('update')))
    .description("change an account's limits")
    .argument('<id>', 'account id')
    .option('--json', 'print one JSON object')
    .action(async (id: string, flags) => {
      const limits = orExit(() => limitsFromFlags(flags));
      try {
        const account = await withAccounts(configFrom(flags), (a) => a.setLimits(id, limits));
        const out = { id: account.id, name: account.name, limits: limitsOf(account.settings) };
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(out)}\n`);
          return;
        }
        console.log(`account ${out.name} (${out.id})`);
        for (const [key, value] of Object.entries(out.limits)) console.log(`  ${key}: ${value ?? 'none'}`);
      } catch (err) {
        console.error(`kiln: ${(err as Error).message}`);
        process.exit(1);
      }
    });

  withDataOptions(accounts.command('list'))
    .description('list accounts')
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const list = await withAccounts(configFrom(flags), (a) => a.list());
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify(list.map(({ id, name, createdAt }) => ({ id, name, createdAt })))}\n`,
        );
        return;
      }
      if (list.length === 0) console.log('no accounts');
      for (const a of list) console.log(`${a.id}  ${a.createdAt}  ${a.name}`);
    });

  withDataOptions(accounts.command('delete'))
    .description('delete an account: its credentials stop working at once')
    .argument('<id>', 'account id')
    .action(async (id: string, flags) => {
      try {
        await withAccounts(configFrom(flags), (a) => a.delete(id));
        console.log(`deleted ${id}`);
      } catch (err) {
        console.error(`kiln: ${(err as Error).message}`);
        process.exit(1);
      }
    });
}

function orExit<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    console.error(`kiln: ${(err as Error).message}`);
    process.exit(1);
  }
}
