import type { FastifyInstance } from 'fastify';
import { KilnError } from '../../core/errors/kiln-error.js';

/**
 * A client that stops sending halfway through its body (a cut chunked body, a short upload) used to
 * be dropped silently when the idle timeout fired. Like nginx's client_body_timeout, the request is
 * answered instead: a 408 through the route's own error handler, so it is in the dialect's envelope,
 * with Connection: close (the rest of the body will never come). Whatever is still reading the body
 * is then failed as for any cut upload, and cleans up. A response already under way
 * (or hijacked, as tus routes are) cannot be answered: the socket is closed as before.
 */
export function answerStalledBodies(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    // Node emits 'timeout' on an incomplete request first; a listener here keeps it from
    // destroying the socket itself.
    request.raw.once('timeout', () => {
      if (reply.sent || reply.raw.headersSent) {
        request.raw.socket?.destroy();
        return;
      }
      reply.header('connection', 'close');
      // Once the answer is out, the request is ended for whatever still reads it (an ingest
      // piping it to a temp blob): Node would only dump it, leaving that reader waiting forever.
      reply.raw.once('finish', () => request.raw.destroy());
      reply.send(new KilnError('timeout', 'The request body was not received in time', { status: 408 }));
    });
  });
}
