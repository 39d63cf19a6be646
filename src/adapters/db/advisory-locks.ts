import pg from 'pg';

/**
 * PostgreSQL session advisory locks on one dedicated connection per process (never a pool
 * connection: a lock held for a long request must not starve the queries). A lock lives exactly
 * as long as this session: a crashed process's locks go with its connection, so another node can
 * take over at once. If the connection is lost, every holder is told (`onLost`) and the next call
 * reconnects. The session is shared, so callers keep same-process exclusion themselves (session
 * advisory locks are re-entrant).
 */
export class AdvisoryLocks {
  private client: Promise<pg.Client> | null = null;
  private readonly held = new Map<string, () => void>();

  constructor(private readonly options: { url: string; schema?: string }) {}

  /** Takes the lock if it is free; `onLost` runs if the session ends while it is held. */
  async tryLock(name: string, onLost: () => void): Promise<boolean> {
    const client = await this.connect();
    const { rows } = await client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
      [this.key(name)],
    );
    if (rows[0]?.ok) this.held.set(name, onLost);
    return rows[0]?.ok === true;
  }

  async unlock(name: string): Promise<void> {
    if (!this.held.delete(name)) return;
    const client = await this.connect();
    await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.key(name)]);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.held.clear();
    if (client) await (await client.catch(() => null))?.end().catch(() => {});
  }

  private key(name: string): string {
    return `${this.options.schema ?? 'public'}:${name}`;
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({ connectionString: this.options.url, connectionTimeoutMillis: 5_000 });
    const lost = () => {
      if (this.client !== connecting) return;
      this.client = null;
      const holders = [...this.held.values()];
      this.held.clear();
      for (const onLost of holders) onLost();
    };
    client.on('error', lost);
    client.on('end', lost);
    const connecting = client.connect().then(
      () => client,
      (err: unknown) => {
        if (this.client === connecting) this.client = null;
        throw err;
      },
    );
    this.client = connecting;
    return connecting;
  }
}
