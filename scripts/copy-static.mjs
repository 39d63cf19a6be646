#!/usr/bin/env node
// Build step: copies the dashboard's static files (plain JS/CSS/HTML, no bundler) beside the compiled code.
import { cpSync, rmSync } from 'node:fs';

const from = 'src/http/dashboard/static';
const to = 'dist/http/dashboard/static';
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
console.log(`copied ${from} -> ${to}`);
