/**
 * Moved to core/blobs/blob-store.ts (the interface core consumes lives in core; adapters implement it).
 * Kept only for the Uploadcare and live files of other branches until they are merged (see
 * docs/architecture-moves.json and scripts/apply-architecture-moves.mjs).
 */
export * from '../../core/blobs/blob-store.js';
