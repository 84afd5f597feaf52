/**
 * Runs a compiled server entry point, building the server first when its output is missing or stale (never
 * under NODE_ENV=production: see prepareBuild in lib/build.mjs):
 *
 *   node scripts/run-built.mjs <path relative to dist/server> [args…]
 *   e.g. node scripts/run-built.mjs server/auth/userCli.js --email …
 *
 * Arguments, stdio, signals and the exit code pass through, so `npm run user:add -- …` behaves like the CLI.
 */
import path from 'node:path';
import { loadDotEnv, prepareBuild, ROOT, SERVER_BUILD } from './lib/build.mjs';
import { runInPlaceOf } from './lib/processes.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry || path.isAbsolute(entry) || entry.split(/[\\/]/).includes('..')) {
  console.error('Usage: node scripts/run-built.mjs <path relative to dist/server> [args…]');
  process.exit(2);
}

loadDotEnv();
const output = path.posix.join('dist/server', entry.replaceAll('\\', '/'));
try {
  await prepareBuild([{ ...SERVER_BUILD, output }]);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
await runInPlaceOf(process.execPath, [output, ...args], { cwd: ROOT });
