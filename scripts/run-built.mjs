/**
 * Runs a compiled server entry point, building the server first when its output is missing or stale:
 *
 *   node scripts/run-built.mjs <path relative to dist/server> [args…]
 *   e.g. node scripts/run-built.mjs server/auth/userCli.js --email …
 *
 * Arguments, stdio, signals and the exit code pass through, so `npm run user:add -- …` behaves like the CLI.
 */
import path from 'node:path';
import { buildIfStale, loadDotEnv, runInPlaceOf, SERVER_SOURCES } from './lib/build.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry || path.isAbsolute(entry) || entry.split(/[\\/]/).includes('..')) {
  console.error('Usage: node scripts/run-built.mjs <path relative to dist/server> [args…]');
  process.exit(2);
}

loadDotEnv();
const output = path.posix.join('dist/server', entry.replaceAll('\\', '/'));
await buildIfStale({ script: 'build:server', output, sources: SERVER_SOURCES, what: 'the server' });
await runInPlaceOf(process.execPath, [output, ...args]);
