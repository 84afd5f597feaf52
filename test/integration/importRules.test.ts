/**
 * docs/architecture.md's "What each folder may import", checked on the source: every relative import of the
 * non-test files of common/, src/ and server/ is read (a regular expression is enough for our import style) and
 * mapped to its folder. The folders of server/ must import each other without a cycle (its module-level files
 * count one by one), and the folders with a written rule import only what the rule lets them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const IMPORT = /\bfrom\s+['"](\.[^'"]+)['"]|\bimport\s*\(\s*['"](\.[^'"]+)['"]\s*\)|^\s*import\s+['"](\.[^'"]+)['"]/gm;

interface Edge {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'test' ? [] : sourceFiles(file);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [file] : [];
  });
}

/** Every relative import, as repository paths of the importing and the imported file. */
const edges: Edge[] = ['common', 'src', 'server'].flatMap(sourceFiles).flatMap((from) =>
  [...readFileSync(path.join(ROOT, from), 'utf8').matchAll(IMPORT)].map((match) => {
    const specifier = (match[1] ?? match[2] ?? match[3])!;
    const to = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)).replace(/\.js$/, '.ts');
    return { from, to };
  }),
);

/** A module-level file of server/ counts on its own; any other file counts as its folder. */
function unitOf(file: string): string {
  const dir = path.posix.dirname(file);
  return dir === 'server' ? file : dir;
}

function importsOf(predicate: (file: string) => boolean): string[] {
  return [...new Set(edges.filter((edge) => predicate(edge.from)).map((edge) => edge.to))].sort();
}

/** Module-level files of server/ that anyone may import (docs/architecture.md). */
const LEAVES = new Set([
  'server/config.ts',
  'server/logger.ts',
  'server/lifecycle.ts',
  'server/paths.ts',
  'server/tuning.ts',
]);

const inFolder = (folder: string) => (file: string) => path.posix.dirname(file) === folder;
const under = (folder: string) => (file: string) => file.startsWith(`${folder}/`);

/** Folders of server/ in a cycle (strongly connected components of more than one), found with Tarjan's algorithm. */
function folderCycles(): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (!from.startsWith('server/') || !to.startsWith('server/')) continue;
    const [a, b] = [unitOf(from), unitOf(to)];
    if (a === b) continue;
    graph.set(a, (graph.get(a) ?? new Set()).add(b));
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) visit(next);
      if (stack.includes(next)) low.set(node, Math.min(low.get(node)!, low.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component = stack.splice(stack.indexOf(node));
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

describe('what each folder may import (docs/architecture.md)', () => {
  it('reads the imports of the source, one-line and multi-line', () => {
    expect(edges).toContainEqual({ from: 'server/http/errorHandler.ts', to: 'server/db/db.ts' });
    expect(edges).toContainEqual({ from: 'server/sms/hookSends.ts', to: 'common/api/supabaseHook.ts' });
  });

  it('has no import cycle between the folders of server/', () => {
    expect(folderCycles()).toEqual([]);
  });

  it('common/ imports only common/', () => {
    expect(importsOf(under('common')).filter((file) => !file.startsWith('common/'))).toEqual([]);
  });

  it('src/ imports only src/ and common/', () => {
    expect(importsOf(under('src')).filter((file) => !/^(src|common)\//.test(file))).toEqual([]);
  });

  it('server/providers/ imports only itself and common/', () => {
    const allowed = (file: string) => inFolder('server/providers')(file) || file.startsWith('common/');
    expect(importsOf(inFolder('server/providers')).filter((file) => !allowed(file))).toEqual([]);
  });

  it('server/providers/twoFactor/ imports only itself, the provider port folder and common/', () => {
    const allowed = (file: string) => under('server/providers')(file) || file.startsWith('common/');
    expect(importsOf(under('server/providers/twoFactor')).filter((file) => !allowed(file))).toEqual([]);
  });

  it('only the composition root and the 2Factor callback route import server/providers/twoFactor/', () => {
    const importers = edges
      .filter((edge) => under('server/providers/twoFactor')(edge.to) && !under('server/providers/twoFactor')(edge.from))
      .map((edge) => edge.from);
    expect([...new Set(importers)].sort()).toEqual([
      'server/composeApp.ts',
      'server/index.ts',
      'server/webhooks/twoFactorCallbacks.ts',
    ]);
  });

  it('server/db/ imports common/, itself, the leaves, and the delivery report it stores', () => {
    const outside = importsOf(under('server/db')).filter(
      (file) =>
        !file.startsWith('common/') &&
        !file.startsWith('server/db/') &&
        !LEAVES.has(file) &&
        file !== 'server/providers/deliveryReport.ts',
    );
    expect(outside).toEqual([]);
  });

  it('server/http/ imports common/, itself, the leaves and, for one check, server/db/db.ts', () => {
    const outside = importsOf(under('server/http')).filter(
      (file) =>
        !file.startsWith('common/') &&
        !file.startsWith('server/http/') &&
        !LEAVES.has(file) &&
        file !== 'server/db/db.ts',
    );
    expect(outside).toEqual([]);
  });

  it('the leaves import only common/, each other and (lifecycle.ts, for shutting_down) the error class', () => {
    const outside = importsOf((file) => LEAVES.has(file)).filter(
      (file) => !file.startsWith('common/') && !LEAVES.has(file) && file !== 'server/http/appError.ts',
    );
    expect(outside).toEqual([]);
  });
});
