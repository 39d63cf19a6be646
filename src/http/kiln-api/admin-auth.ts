import type { FastifyRequest } from 'fastify';
import { errors, KilnError } from '../../core/errors/kiln-error.js';
import { constantTimeEqual } from '../../core/signing/tokens.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';

/**
 * The operator's calls: `Authorization: Bearer <KILN_ADMIN_TOKEN>`, compared in constant time.
 * Without KILN_ADMIN_TOKEN the operator API is off (403 says how to turn it on).
 */
export function requireAdmin(runtime: KilnRuntime, request: FastifyRequest): void {
  const token = runtime.config.adminToken;
  if (!token) throw new KilnError('forbidden', 'The admin API is off: set KILN_ADMIN_TOKEN to use it');
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (!match) throw errors.unauthorized('Missing Authorization: Bearer <admin token>');
  if (!constantTimeEqual(match[1]!, token)) throw errors.unauthorized('Invalid admin token');
}
