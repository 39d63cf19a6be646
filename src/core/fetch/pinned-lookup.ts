import type { LookupAddress } from 'node:dns';
import { Agent } from 'undici';
import { isPublicAddress } from './address-policy.js';
import { type Resolver, systemResolver, type UrlPolicy } from './check-url.js';

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A resolver that asks DNS once per name and answers every later question about that name from
 * the first answer. The URL check and the connection share one, so the address that was checked
 * is the address that is dialled: a DNS answer that changes in between (rebinding) is never seen.
 */
export function resolveOnce(resolver: Resolver = systemResolver): Resolver {
  const answers = new Map<string, Promise<string[]>>();
  return (hostname) => {
    const key = hostname.toLowerCase();
    let answer = answers.get(key);
    if (!answer) {
      answer = resolver(hostname);
      answers.set(key, answer);
    }
    return answer;
  };
}

/** A policy whose resolver is pinned (see resolveOnce): use it for the check and the connection. */
export function pinPolicy<P extends UrlPolicy>(policy: P): P {
  return { ...policy, resolver: resolveOnce(policy.resolver) };
}

/**
 * The `lookup` of net/tls connect: the policy's (pinned) resolver, then the address policy again
 * on what it returned, so nothing but checked addresses is ever dialled. The TLS servername and
 * the Host header still carry the name from the URL.
 */
export function checkedLookup(policy: UrlPolicy) {
  const resolver = policy.resolver ?? systemResolver;
  return (hostname: string, opts: { all?: boolean }, callback: LookupCallback) => {
    resolver(hostname).then(
      (addresses) => {
        if (addresses.length === 0 || !addresses.every((a) => policy.allowPrivate || isPublicAddress(a))) {
          callback(Object.assign(new Error('Only public IPs are allowed.'), { code: 'EKILNPRIVATE' }), '');
          return;
        }
        const entries = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
        if (opts.all) callback(null, entries);
        else callback(null, entries[0]!.address, entries[0]!.family);
      },
      (err) => callback(Object.assign(new Error(String(err)), { code: 'ENOTFOUND' }), ''),
    );
  };
}

/** An undici dispatcher that connects only to addresses the policy's resolver returned and allowed. */
export function pinnedAgent(policy: UrlPolicy, connectTimeoutMs: number): Agent {
  return new Agent({ connect: { lookup: checkedLookup(policy) }, connectTimeout: connectTimeoutMs });
}
