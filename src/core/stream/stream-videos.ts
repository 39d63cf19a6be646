/** Moved to ../video/videos.js; kept only for the live files until the live branch is merged (see docs/architecture-moves.json). */
export * from '../video/videos.js';
