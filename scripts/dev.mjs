/**
 * `npm run dev`: the API with reload on change (`tsx watch server/index.ts`, on PORT, default 3000) and
 * Vite's dev server with hot reload (http://localhost:5173, or DEV_WEB_PORT; it proxies /api to the API,
 * keeping the browser's Host so the API's cross-site guard sees a same-origin request), side by side.
 *
 * `concurrently` runs the two: output prefixed [api] / [web], Ctrl-C or SIGTERM stops both, and if either
 * stops by itself the other is stopped too and this exits with a failure code.
 *
 * Why a script and not a one-line `concurrently` in package.json: `.env` must be read first, here, because
 * both processes take their settings from it (the API its whole configuration, vite.config.ts PORT and
 * DEV_WEB_PORT), and neither tsx nor Vite loads it into process.env. Tools are named by their path in
 * node_modules/.bin so this also runs outside `npm run` (the browser suite starts it with `node`).
 */
import path from 'node:path';
import { concurrently } from 'concurrently';
import { loadDotEnv, ROOT } from './lib/build.mjs';

loadDotEnv();

/** How long the two get to stop after SIGTERM before they are killed (tsx waits for the server to drain). */
const STOP_GRACE_MS = 12_000;

/** @param {string} name */
const bin = (name) => {
  const file = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
  return process.platform === 'win32' ? `"${file}"` : `'${file.replaceAll("'", `'\\''`)}'`;
};

console.log(
  `[dev] API on http://localhost:${process.env.PORT ?? 3000}, app with hot reload on http://localhost:${process.env.DEV_WEB_PORT ?? 5173} (Ctrl-C stops both)`,
);

const { result } = concurrently(
  [
    { name: 'api', command: `${bin('tsx')} watch --clear-screen=false server/index.ts`, prefixColor: 'cyan' },
    { name: 'web', command: bin('vite'), prefixColor: 'magenta' },
  ],
  {
    cwd: ROOT,
    prefix: '[{name}]',
    killOthersOn: ['success', 'failure'],
    killSignal: 'SIGTERM',
    killTimeout: STOP_GRACE_MS,
    // No keyboard input: Vite's shortcuts would grab the terminal, and Ctrl-C must reach concurrently alone.
    handleInput: false,
  },
);

/** Set when we were asked to stop (Ctrl-C, SIGTERM, SIGHUP): concurrently stops both, and that is a success. */
let stopRequested = false;
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']))
  process.on(signal, () => void (stopRequested = true));

result.then(
  () => process.exit(0),
  (/** @type {Array<{ command: { name: string }, exitCode: number | string, killed: boolean }>} */ events) => {
    if (stopRequested) process.exit(0);
    const first = events.find((event) => !event.killed) ?? events[0];
    if (first) console.error(`[dev] ${first.command.name} stopped (exit code ${first.exitCode}); stopped the rest.`);
    process.exit(1);
  },
);
