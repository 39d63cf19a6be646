/** Moved to ../video/allowed-origins.js; kept only for the live files until the live branch is merged (see docs/architecture-moves.json). */
export * from '../video/allowed-origins.js';
