/** Moved to ../cloudflare-stream/stream-webhooks.js; kept only for the live files until the live branch is merged (see docs/architecture-moves.json). */
export * from '../cloudflare-stream/stream-webhooks.js';
