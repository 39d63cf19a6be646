import { connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'up' | 'reset' | 'blackhole';

export interface TcpProxy {
  port: number;
  /**
   * `up` forwards; `reset` resets new connections at once (the backend is down: ECONNRESET);
   * `blackhole` accepts and forwards nothing (a hung backend: timeouts). Every change of mode
   * resets the connections open at that moment.
   */
  setMode(mode: ProxyMode): void;
  readonly mode: ProxyMode;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a backend (PostgreSQL, the S3 server), so a test can take
 * the backend away from one Kiln process and give it back, without touching the shared server.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'up';
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'blackhole') {
      client.pause();
      return;
    }
    const upstream = connect(target.port, target.host);
    open.add(upstream);
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    get mode() {
      return mode;
    },
    setMode(next) {
      // Any change cuts what is open: forwarded connections when the backend goes away, and
      // held (blackholed) ones when it comes back; clients reconnect into the new mode.
      mode = next;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
