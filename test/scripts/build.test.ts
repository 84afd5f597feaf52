import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { staleReason } from '../../scripts/lib/build.mjs';

describe('staleReason (is the build stale?)', () => {
  let dir: string;
  const at = (file: string, seconds: number) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '');
    utimesSync(file, seconds, seconds);
  };
  const target = () => ({
    script: 'build:server',
    output: path.join(dir, 'dist', 'index.js'),
    sources: [path.join(dir, 'server'), path.join(dir, 'tsconfig.json')],
    what: 'the server',
  });

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sms-otp-stale-'));
    at(path.join(dir, 'server', 'index.ts'), 1_000);
    at(path.join(dir, 'tsconfig.json'), 1_000);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is stale when the output is missing', () => {
    expect(staleReason(target())).toBe(`${target().output} is missing`);
  });

  it('is up to date when the output is newer than every source', () => {
    at(target().output, 2_000);
    expect(staleReason(target())).toBeNull();
  });

  it('is stale when any source file, however deep, or a source given as a file, is newer than the output', () => {
    at(target().output, 2_000);
    at(path.join(dir, 'server', 'db', 'repositories', 'users.ts'), 3_000);
    expect(staleReason(target())).toBe(`${target().output} is older than its sources`);

    rmSync(path.join(dir, 'server', 'db'), { recursive: true });
    at(path.join(dir, 'tsconfig.json'), 3_000);
    expect(staleReason(target())).toBe(`${target().output} is older than its sources`);
  });

  it('ignores test files and node_modules, which are not part of the build', () => {
    at(target().output, 2_000);
    at(path.join(dir, 'server', 'config.test.ts'), 3_000);
    at(path.join(dir, 'server', 'node_modules', 'x', 'index.js'), 3_000);
    expect(staleReason(target())).toBeNull();
  });

  it('does not count a source that does not exist', () => {
    at(target().output, 2_000);
    expect(staleReason({ ...target(), sources: [...target().sources, path.join(dir, 'public')] })).toBeNull();
  });
});
