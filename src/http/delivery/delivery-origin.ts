import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** The host (`name[:port]`, lower-case) of KILN_DELIVERY_URL, or null when none is configured. */
    deliveryHost: string | null;
  }
}

/**
 * The separate origin user files may be served from (KILN_DELIVERY_URL). Decorated on the root
 * instance before any route plugin, so every scope sees it.
 */
export function decorateDeliveryOrigin(app: FastifyInstance, deliveryUrl: string | undefined): void {
  app.decorate('deliveryHost', deliveryUrl ? new URL(deliveryUrl).host.toLowerCase() : null);
}

/** Did the request arrive on the delivery origin (its Host, or X-Forwarded-Host from a trusted proxy)? */
export function onDeliveryOrigin(request: FastifyRequest): boolean {
  const host = request.server.deliveryHost;
  return host !== null && request.host.toLowerCase() === host;
}

/** The base that links to user files are built on: the delivery origin when configured. */
export function userContentBase(config: { publicUrl: string; deliveryUrl?: string }): string {
  return config.deliveryUrl ?? config.publicUrl;
}
