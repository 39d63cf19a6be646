import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  OperationNode,
  QueryResult,
  TransactionSettings,
} from 'kysely';

/**
 * Counts, per table, the writes this process has made visible, so caches of what the database says
 * (delivery resolution) can tell whether anything they depend on changed since they read it. A write
 * ticks after it is visible to other connections: after the statement outside a transaction, at the
 * commit inside one. A statement whose tables cannot be read off its tree (raw SQL that is not a
 * SELECT, DDL) ticks every table. Writes by other processes are not seen: the caches bound that
 * staleness with a TTL.
 */
export class WriteClock {
  private readonly tables = new Map<string, number>();
  /** Ticks for writes to unknown tables; part of every version. */
  private all = 0;

  /** A number that changes whenever any of `tables` is written (by this process). */
  version(tables: readonly string[]): number {
    let v = this.all;
    for (const t of tables) v += this.tables.get(t) ?? 0;
    return v;
  }

  tick(tables: Iterable<string> | 'all'): void {
    if (tables === 'all') {
      this.all++;
      return;
    }
    for (const t of tables) this.tables.set(t, (this.tables.get(t) ?? 0) + 1);
  }
}

type Written = Set<string> | 'all' | null;

/** The tables a statement writes: null for a read, 'all' when it cannot tell. */
export function writtenTables(node: OperationNode): Written {
  const n = node as unknown as Record<string, unknown> & { kind: string };
  switch (n.kind) {
    case 'SelectQueryNode':
      return null;
    case 'InsertQueryNode':
      return tableNames([n.into]);
    case 'UpdateQueryNode':
      return tableNames([n.table]);
    case 'DeleteQueryNode':
      return tableNames((n.from as { froms: unknown[] }).froms);
    case 'RawNode': {
      const text = ((n.sqlFragments as string[] | undefined) ?? []).join('').trimStart().slice(0, 6);
      return /^select$/i.test(text) ? null : 'all';
    }
    default:
      return 'all';
  }
}

function tableNames(nodes: unknown[]): Written {
  const names = new Set<string>();
  for (const node of nodes) {
    const name = tableName(node);
    if (!name) return 'all';
    names.add(name);
  }
  return names;
}

function tableName(node: unknown): string | undefined {
  const n = node as { kind?: string; table?: { identifier?: { name?: string } }; node?: unknown };
  if (n?.kind === 'TableNode') return n.table?.identifier?.name;
  if (n?.kind === 'AliasNode') return tableName(n.node);
  return undefined;
}

/** The dialect with every executed statement and commit reported to `clock`. */
export function withWriteClock(dialect: Dialect, clock: WriteClock): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new ClockedDriver(dialect.createDriver(), clock),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}

class ClockedDriver implements Driver {
  /** Tables written inside the open transaction of each connection, ticked at its commit. */
  private readonly pending = new WeakMap<DatabaseConnection, { tables: Set<string>; all: boolean }>();
  private readonly wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly clock: WriteClock,
  ) {
    if (inner.savepoint) this.savepoint = inner.savepoint.bind(inner);
    if (inner.rollbackToSavepoint) this.rollbackToSavepoint = inner.rollbackToSavepoint.bind(inner);
    if (inner.releaseSavepoint) this.releaseSavepoint = inner.releaseSavepoint.bind(inner);
  }

  savepoint?: Driver['savepoint'];
  rollbackToSavepoint?: Driver['rollbackToSavepoint'];
  releaseSavepoint?: Driver['releaseSavepoint'];

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const conn = await this.inner.acquireConnection();
    let outer = this.wrapped.get(conn);
    if (!outer) {
      outer = this.wrap(conn);
      this.wrapped.set(conn, outer);
    }
    return outer;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await this.inner.beginTransaction(this.unwrap(connection), settings);
    this.pending.set(connection, { tables: new Set(), all: false });
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.commitTransaction(this.unwrap(connection));
    } finally {
      this.settle(connection);
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.rollbackTransaction(this.unwrap(connection));
    } finally {
      this.settle(connection);
    }
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(this.unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  /** Ends a transaction: what it wrote ticks (after a rollback too: harmless, and never too few). */
  private settle(connection: DatabaseConnection): void {
    const p = this.pending.get(connection);
    if (!p) return;
    this.pending.delete(connection);
    if (p.all) this.clock.tick('all');
    else this.clock.tick(p.tables);
  }

  private unwrap(connection: DatabaseConnection): DatabaseConnection {
    return (connection as { inner?: DatabaseConnection }).inner ?? connection;
  }

  private wrap(inner: DatabaseConnection): DatabaseConnection {
    const note = (outer: DatabaseConnection, query: CompiledQuery) => {
      const written = writtenTables(query.query);
      if (!written) return;
      const p = this.pending.get(outer);
      if (!p) this.clock.tick(written);
      else if (written === 'all') p.all = true;
      else for (const t of written) p.tables.add(t);
    };
    const outer: DatabaseConnection & { inner: DatabaseConnection } = {
      inner,
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        try {
          return await inner.executeQuery<R>(query);
        } finally {
          note(outer, query);
        }
      },
      streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
        note(outer, query);
        return inner.streamQuery<R>(query, chunkSize);
      },
    };
    return outer;
  }
}
