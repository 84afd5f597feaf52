/**
 * `npm run dev` as a developer runs it (scripts/dev.mjs: `tsx watch` API + Vite with hot reload, run by
 * concurrently), on free ports and a fresh embedded database, in development mode (demo users, SMS sandbox).
 * The browser talks to Vite's port only; Vite proxies /api to the API, exactly as on a developer's machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FAILURE_OUTPUT_TAIL_CHARS, freePort, startProcess } from '../../scripts/lib/processes.mjs';
import { baseEnv, ROOT } from './stack.js';

/** tsx compiles the server on the fly and PGlite creates its database: slow on a busy two-core machine. */
const START_TIMEOUT_MS = 180_000;
/** scripts/dev.mjs gives its children 12 s to stop; this leaves it time to do so before its group is killed. */
const STOP_GRACE_MS = 20_000;
/** How long a sandbox SMS may take to appear in the dev server's log, and how often the log is read. */
const SANDBOX_SMS_TIMEOUT_MS = 20_000;
const SANDBOX_SMS_POLL_MS = 100;

export interface DevStack {
  /** Vite's dev server, as it announces itself (`http://localhost:<port>`). */
  readonly webUrl: string;
  /** How many sandbox SMS the API has logged so far; pass it to `sandboxCodeAfter` to read the next code. */
  sandboxSmsCount(): number;
  /** The code of the first sandbox SMS after the first `previousCount`, waiting for the API to log it. */
  sandboxCodeAfter(previousCount: number): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

export async function startDevStack(): Promise<DevStack> {
  const [apiPort, webPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sms-otp-dev-'));
  const dev = startProcess('npm run dev', process.execPath, ['scripts/dev.mjs'], {
    cwd: ROOT,
    env: { ...baseEnv(), PORT: String(apiPort), DEV_WEB_PORT: String(webPort), DATA_DIR: dataDir, NO_COLOR: '1' },
  });
  const stop = async () => {
    // SIGTERM to scripts/dev.mjs, whose concurrently stops the API and Vite; whatever of its process group
    // is still alive after that (a watcher's child) is killed by stop().
    await dev.stop(STOP_GRACE_MS);
    rmSync(dataDir, { recursive: true, force: true });
  };
  /** The server prints `sandbox SMS to +91******0002: code 123456 (simulated, not sent)` for each one. */
  const sandboxCodes = () =>
    [...dev.output().matchAll(/sandbox SMS to \+91\*+\d{4}: code (\d{6})/g)].map((match) => match[1]!);
  try {
    await dev.waitForOutput(new RegExp(`\\[api\\].*listening on http://localhost:${apiPort}`), START_TIMEOUT_MS);
    const [, webUrl] = await dev.waitForOutput(
      new RegExp(`\\[web\\].*Local:\\s+(http://localhost:${webPort})`),
      START_TIMEOUT_MS,
    );
    return {
      webUrl: webUrl!,
      output: () => dev.output(),
      sandboxSmsCount: () => sandboxCodes().length,
      async sandboxCodeAfter(previousCount) {
        const deadline = Date.now() + SANDBOX_SMS_TIMEOUT_MS;
        for (;;) {
          const code = sandboxCodes()[previousCount];
          if (code) return code;
          if (Date.now() > deadline)
            throw new Error(
              `no sandbox SMS in the dev server's log:\n${dev.output().slice(-FAILURE_OUTPUT_TAIL_CHARS)}`,
            );
          await new Promise((resolve) => setTimeout(resolve, SANDBOX_SMS_POLL_MS));
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
