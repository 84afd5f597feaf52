/**
 * `npm run dev`: the API with reload on change (`tsx watch server/index.ts`, on PORT, default 3000) and
 * Vite's dev server with hot reload (http://localhost:5173, or DEV_WEB_PORT; it proxies /api to the API,
 * keeping the browser's Host so the API's cross-site guard sees a same-origin request), side by side.
 * Their output is prefixed [api] / [web]. Ctrl-C or SIGTERM stops both; if either stops by itself, the
 * other is stopped too and this exits with a failure code.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { exitCodeOf, loadDotEnv, ROOT } from './lib/build.mjs';

loadDotEnv();

const STOP_GRACE_MS = 12_000;
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const colour = process.stdout.isTTY && !process.env.NO_COLOR;

const children = [
  start('api', '\x1b[36m', bin('tsx'), ['watch', '--clear-screen=false', 'server/index.ts']),
  start('web', '\x1b[35m', bin('vite'), []),
];
let stopping = false;
let finalCode = 0;

function start(name, ansi, command, args) {
  // Own process group, no stdin: Ctrl-C reaches the children once, from us, and Vite does not grab the terminal.
  const child = spawn(command, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: colour && !process.env.FORCE_COLOR ? { ...process.env, FORCE_COLOR: '1' } : process.env,
  });
  const prefix = colour ? `${ansi}[${name}]\x1b[0m ` : `[${name}] `;
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`${prefix}${line}\n`));
  }
  const entry = { name, child, exited: false };
  child.on('error', (error) => {
    console.error(`${prefix}could not start: ${error.message}`);
    entry.exited = true;
    onChildExit(entry, 1);
  });
  child.on('exit', (code, signal) => {
    entry.exited = true;
    onChildExit(entry, exitCodeOf(code, signal));
  });
  return entry;
}

function onChildExit(entry, code) {
  if (!stopping) {
    console.error(`[dev] ${entry.name} stopped (exit code ${code}); stopping the rest.`);
    finalCode = code === 0 ? 1 : code;
    stopAll('SIGTERM');
  }
  if (children.every((c) => c.exited)) process.exit(finalCode);
}

function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  for (const { child, exited } of children) if (!exited) child.kill(signal);
  // Whatever is still running after the grace period (a child of tsx that ignored the signal) is killed.
  setTimeout(() => {
    for (const { child, exited } of children) {
      if (exited) continue;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, STOP_GRACE_MS).unref();
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stopAll('SIGTERM'));
process.on('exit', () => {
  for (const { child, exited } of children) {
    if (exited) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

console.log(
  `[dev] API on http://localhost:${process.env.PORT ?? 3000}, app with hot reload on http://localhost:${process.env.DEV_WEB_PORT ?? 5173} (Ctrl-C stops both)`,
);
