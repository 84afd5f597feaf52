/**
 * The client bundle, built with the API key and every server secret in the environment, holds none of them and
 * never talks to 2Factor itself. A whole production build (vite): in the slow tier.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/paths.js';
import { SECURITY_API_KEY } from '../support/securityKit.js';

describe('the client bundle', () => {
  const APP_SECRET = 'bundle-probe-app-secret-5f1e2d3c4b5a69788796a5b4';
  const DB_PASSWORD = 'bundle-probe-db-password-3141';
  const CALLBACK_TOKEN = 'bundle-probe-callback-token-2718281828459045';

  function filesUnder(dir: string): string[] {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name));
  }

  it('builds the client bundle with the server secrets in the environment and finds none of them in it, nor any 2Factor URL', async () => {
    const outDir = mkdtempSync(path.join(tmpdir(), 'sms-otp-bundle-'));
    try {
      const build = spawn(
        process.execPath,
        [
          path.join(PROJECT_ROOT, 'node_modules/vite/bin/vite.js'),
          'build',
          '--outDir',
          outDir,
          '--emptyOutDir',
          '--logLevel',
          'error',
        ],
        {
          cwd: PROJECT_ROOT,
          env: {
            ...process.env,
            NODE_ENV: 'production',
            TWO_FACTOR_API_KEY: SECURITY_API_KEY,
            APP_SECRET,
            DATABASE_URL: `postgres://app:${DB_PASSWORD}@db.example.internal:5432/app`,
            TWO_FACTOR_CALLBACK_TOKEN: CALLBACK_TOKEN,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      build.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
      build.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => build.once('exit', resolve));
      expect(code, output).toBe(0);

      const files = filesUnder(outDir);
      expect(files.some((file) => file.endsWith('.js'))).toBe(true);
      for (const file of files) {
        const text = readFileSync(file, 'latin1');
        for (const secret of [
          SECURITY_API_KEY,
          APP_SECRET,
          DB_PASSWORD,
          CALLBACK_TOKEN,
          'TWO_FACTOR_API_KEY',
          'TWO_FACTOR_CALLBACK_TOKEN',
          'APP_SECRET',
          'DATABASE_URL',
          '/API/V1/',
        ]) {
          expect(text.includes(secret), `${secret} in ${path.relative(outDir, file)}`).toBe(false);
        }
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 180_000);
});
