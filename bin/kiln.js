#!/usr/bin/env node
// The CLI entry: runs the compiled TypeScript (npm install builds dist/ through the prepare script).
import('../dist/cli/main.js').catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
