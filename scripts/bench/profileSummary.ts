/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, as BENCH_PROFILE=1 writes them): where the process spent
 * its time, by package / area and by function (self time).
 *
 *   node --import tsx scripts/bench/profileSummary.ts <file.cpuprofile | folder> [top=25]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  idleMs: number;
  busyMs: number;
  byArea: Array<{ area: string; ms: number; share: number }>;
  byFunction: Array<{ fn: string; ms: number; share: number }>;
}

/** Which package or part of the product a script URL belongs to. */
function areaOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(garbage collector)') return '(garbage collector)';
    if (functionName === '(program)') return '(program: native, outside JS)';
    return `(native) ${functionName}`;
  }
  if (url.startsWith('node:')) {
    const module = url.slice(5).split('/').slice(0, 2).join('/');
    return `node:${module}`;
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const dist = url.indexOf('/dist/server/');
  if (dist !== -1) return `app: ${url.slice(dist + '/dist/server/'.length).replace(/\/[^/]+$/, '')}`;
  return url.replace(/^file:\/\//, '');
}

export function summarise(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    totalUs += us;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const where = url ? `${path.basename(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where} [${area}]`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const idleUs = areas.get('(idle)') ?? 0;
  const busyUs = totalUs - idleUs;
  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .filter(([name]) => name !== '(idle)' && !name.includes('[(idle)]'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top);
  const ms = (us: number) => Math.round(us / 1000);
  const share = (us: number) => Math.round((1000 * us) / Math.max(1, busyUs)) / 10;
  return {
    file,
    totalMs: ms(totalUs),
    idleMs: ms(idleUs),
    busyMs: ms(busyUs),
    byArea: ranked(areas).map(([area, us]) => ({ area, ms: ms(us), share: share(us) })),
    byFunction: ranked(functions).map(([fn, us]) => ({ fn, ms: ms(us), share: share(us) })),
  };
}

export function renderSummary(summary: ProfileSummary): string {
  const lines = [
    `${summary.file}: ${summary.totalMs} ms sampled, ${summary.busyMs} ms busy (${summary.idleMs} ms idle)`,
  ];
  lines.push('  by area (share of busy time):');
  for (const a of summary.byArea)
    lines.push(`    ${String(a.share).padStart(5)} %  ${String(a.ms).padStart(7)} ms  ${a.area}`);
  lines.push('  by function (self time):');
  for (const f of summary.byFunction)
    lines.push(`    ${String(f.share).padStart(5)} %  ${String(f.ms).padStart(7)} ms  ${f.fn}`);
  return lines.join('\n');
}

function profilesUnder(target: string): string[] {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target, { recursive: true })
    .map((name) => path.join(target, String(name)))
    .filter((file) => file.endsWith('.cpuprofile'));
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const [target, topArg] = process.argv.slice(2);
  if (!target) {
    console.error('usage: node --import tsx scripts/bench/profileSummary.ts <file.cpuprofile | folder> [top]');
    process.exit(2);
  }
  for (const file of profilesUnder(target)) console.log(`${renderSummary(summarise(file, Number(topArg ?? 25)))}\n`);
}
