/**
 * `npm start`: runs the built server (dist/server/server/index.js). Signals and the exit code pass through.
 *
 * Outside production it first builds what is missing or older than its sources (the server with tsc, the
 * React app with Vite), so it works straight after `npm install` on a fresh clone. Under NODE_ENV=production
 * it never builds: a production install builds with `npm run build` and may then prune the dev dependencies
 * (tsc, Vite); a missing build stops it with a message (see prepareBuild).
 */
import path from 'node:path';
import { CLIENT_BUILD, loadDotEnv, prepareBuild, ROOT, SERVER_BUILD } from './lib/build.mjs';
import { runInPlaceOf } from './lib/processes.mjs';

loadDotEnv();
try {
  await prepareBuild([SERVER_BUILD, CLIENT_BUILD]);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
await runInPlaceOf(process.execPath, [path.join(ROOT, SERVER_BUILD.output)], { cwd: ROOT });
