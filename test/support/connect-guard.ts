import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

/**
 * A test's guard against leaving loopback. While installed, every TCP connect of this process
 * (net and tls sockets: undici, fetch, node:http) and every system DNS lookup is checked: a
 * loopback literal goes through; a name goes through only with a custom `lookup` whose answer is
 * loopback (or as `localhost`); anything else is refused before a packet is sent and recorded in
 * `refused`. `dialled` records every address a socket was about to connect to.
 */
export interface ConnectGuard {
  dialled: string[];
  refused: string[];
  uninstall(): void;
}

/** 127.0.0.0/8, ::1 and ::ffff:127.x.y.z only (not ::127.0.0.1, which is not loopback). */
export function isLoopback(address: string): boolean {
  if (net.isIPv4(address)) return address.startsWith('127.');
  if (!net.isIPv6(address)) return false;
  const lower = address.toLowerCase();
  return (
    lower === '::1' ||
    /^::ffff:127\.\d+\.\d+\.\d+$/.test(lower) ||
    /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(lower)
  );
}

type Lookup = (host: string, opts: object, cb: (...a: unknown[]) => void) => void;

export function guardConnections(): ConnectGuard {
  const dialled: string[] = [];
  const refused: string[] = [];
  const refusal = (what: string) =>
    Object.assign(new Error(`test guard: refused ${what} (not loopback)`), { code: 'ETESTGUARD' });
  const originalConnect = net.Socket.prototype.connect;
  const originalLookup = dns.lookup;
  const originalPromisesLookup = dns.promises.lookup;

  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const normalized = Array.isArray(args[0]) ? (args[0] as unknown[]) : null;
    const first = normalized ? normalized[0] : args[0];
    const callback = normalized ? normalized[1] : args.find((a) => typeof a === 'function');
    let options: Record<string, unknown>;
    if (first && typeof first === 'object') options = { ...(first as Record<string, unknown>) };
    else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first)))
      options = { port: first, host: typeof args[1] === 'string' ? args[1] : 'localhost' };
    else return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args); // unix socket path
    if (options.path) return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
    const host = String(options.host ?? 'localhost');
    const refuse = () => {
      refused.push(host);
      process.nextTick(() => this.destroy(refusal(host)));
      return this;
    };
    if (net.isIP(host)) {
      dialled.push(host);
      if (!isLoopback(host)) return refuse();
    } else if (typeof options.lookup === 'function') {
      const lookup = options.lookup as Lookup;
      options.lookup = (h: string, o: object, cb: (...a: unknown[]) => void) =>
        lookup(h, o, (err: unknown, address: unknown, family: unknown) => {
          if (err) return cb(err, address, family);
          const list = Array.isArray(address)
            ? address.map((a: { address: string }) => a.address)
            : [String(address)];
          dialled.push(...list);
          const bad = list.filter((a) => !isLoopback(a));
          if (bad.length > 0) {
            refused.push(...bad);
            return cb(refusal(bad.join(',')), '', 4);
          }
          cb(null, address, family);
        });
    } else if (host !== 'localhost') {
      return refuse();
    }
    return (originalConnect as (...a: unknown[]) => net.Socket).call(this, options, callback);
  } as typeof net.Socket.prototype.connect;

  const allowedName = (host: string) => host === 'localhost' || isLoopback(host);
  dns.lookup = ((host: string, ...rest: unknown[]) => {
    if (allowedName(host)) return (originalLookup as (...a: unknown[]) => void)(host, ...rest);
    refused.push(host);
    const cb = rest.find((a) => typeof a === 'function') as (err: unknown) => void;
    process.nextTick(() => cb(Object.assign(refusal(`DNS ${host}`), { code: 'ENOTFOUND' })));
  }) as typeof dns.lookup;
  dns.promises.lookup = (async (host: string, ...rest: unknown[]) => {
    if (allowedName(host)) return (originalPromisesLookup as (...a: unknown[]) => unknown)(host, ...rest);
    refused.push(host);
    throw Object.assign(refusal(`DNS ${host}`), { code: 'ENOTFOUND' });
  }) as typeof dns.promises.lookup;
  syncBuiltinESMExports();

  return {
    dialled,
    refused,
    uninstall() {
      net.Socket.prototype.connect = originalConnect;
      dns.lookup = originalLookup;
      dns.promises.lookup = originalPromisesLookup;
      syncBuiltinESMExports();
    },
  };
}
