/** Moved to ../video/video-facts.js; kept only for the live files until the live branch is merged (see docs/architecture-moves.json). */
export * from '../video/video-facts.js';
