import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from '@tus/server';
import { NodeRequest, sendNodeResponse } from 'srvx/node';

/** The web Request @tus/server hands to its hooks (srvx's ServerRequest). */
type TusRequest = Parameters<NonNullable<ConstructorParameters<typeof Server>[0]['namingFunction']>>[0];

const KEY = 'kiln';

/**
 * Runs one Node request through a @tus/server with a context of the mount's own (the caller's
 * account, a validated creation): the request @tus/server's hooks receive carries it, in srvx's
 * `request.context`. This is what `server.handle()` does, plus the context.
 */
export async function serveTus<C extends object>(
  server: Server,
  req: IncomingMessage,
  res: ServerResponse,
  context: C,
): Promise<void> {
  const request = new NodeRequest({ req, res });
  request.context = { [KEY]: context };
  await sendNodeResponse(res, await server.handleWeb(request));
}

/** The context serveTus gave this request; throws when it went in without one. */
export function tusContext<C extends object>(req: TusRequest): C {
  const context = (req as { context?: Record<string, unknown> }).context?.[KEY];
  if (!context) throw new Error('a tus request reached its hooks without serveTus');
  return context as C;
}
