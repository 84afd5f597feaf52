/**
 * Turns the scenario results into the human table, the PASS/FAIL list of targets and the final JSON line.
 */
import type { LoadResult } from './loadTypes.js';
import type { MemoryResult } from './memory.js';
import {
  CEILING_OFFERED_RATE_PER_S,
  FIXED_RATE_PER_S,
  SLOW_PROVIDER_LATENCY_MS,
  type CeilingResult,
  type LossCheck,
  type SlowProviderResult,
  type ThroughputResult,
  type TwoInstancesResult,
} from './scenarios.js';
import type { TimingResult } from './timing.js';

export interface BenchResults {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; loadAverage1m: number };
  settings: Record<string, unknown>;
  baseline?: LoadResult;
  throughput: ThroughputResult[];
  slowProvider?: SlowProviderResult;
  ceiling: CeilingResult[];
  twoInstances?: TwoInstancesResult;
  timing?: TimingResult;
  memory?: MemoryResult;
  errors: string[];
}

export interface Target {
  /** `target`: the issue's targets; `check`: what each scenario must also show. */
  kind: 'target' | 'check';
  name: string;
  pass: boolean;
  measured: string;
}

const SEND_RATIO_TARGET = 0.3;
/** sendOtp and verifyOtp against Better Auth's phone plugin, req/s on the same machine in the same phase. */
const BETTER_AUTH_RATIO_TARGET = 2;
const FIXED_RATE_P99_TARGET_MS = 50;
const SLOW_P99_TARGET_MS = 400;
/** A refusal waits at most 250 ms for a slot (composeApp.ts); "fast" leaves as much again for the rest. */
const FAST_REFUSAL_P99_MS = 500;

const ceilingHeld = (c: CeilingResult) =>
  c.simulator.maxPerCalendarSecond <= c.ceiling && c.simulator.maxInAnySlidingSecond <= c.ceiling;
const onlyBusyRefusals = (c: CeilingResult) =>
  Object.keys(c.run.errorCodes).every((code) => code === 'provider_busy') &&
  c.run.missingRetryAfter === 0 &&
  c.run.errors === 0 &&
  c.run.timeouts === 0;

export function allLossChecks(r: BenchResults): LossCheck[] {
  return [
    ...r.throughput.map((t) => t.loss).filter((l): l is LossCheck => l !== undefined),
    ...(r.slowProvider ? [r.slowProvider.loss] : []),
    ...r.ceiling.map((c) => c.loss),
    ...(r.twoInstances ? [r.twoInstances.loss] : []),
  ];
}

const cpuTotal = (values: Record<string, number>) => Object.values(values).reduce((sum, v) => sum + v, 0);
const cpuRatio = (theirs: Record<string, number>, ours: Record<string, number> | undefined) =>
  ours && cpuTotal(ours) > 0
    ? `${cpuTotal(theirs).toFixed(2)} / ${cpuTotal(ours).toFixed(2)} = ${(cpuTotal(theirs) / cpuTotal(ours)).toFixed(2)}`
    : '–';

export function evaluateTargets(r: BenchResults): Target[] {
  const targets: Target[] = [];
  const pgSingle = r.throughput.find((t) => t.label.startsWith('PostgreSQL + Redis, 1 process'));
  const baseline = pgSingle?.baseline ?? r.baseline;
  if (baseline && pgSingle) {
    const ratio = pgSingle.send.requestsPerS / baseline.requestsPerS;
    targets.push({
      kind: 'target',
      name: `sendOtp ≥ ${SEND_RATIO_TARGET} × baseline req/s (PostgreSQL + Redis, 1 process)`,
      pass: ratio >= SEND_RATIO_TARGET && pgSingle.send.non2xx === 0,
      measured: `${pgSingle.send.requestsPerS} / ${baseline.requestsPerS} = ${ratio.toFixed(2)}`,
    });
  }
  if (pgSingle?.rival) {
    const { rival } = pgSingle;
    const sendRatio = pgSingle.send.requestsPerS / rival.send.requestsPerS;
    const verifyRatio = pgSingle.verify.requestsPerS / rival.verify.requestsPerS;
    const clean = (x: LoadResult) => x.non2xx + x.errors + x.timeouts === 0;
    targets.push({
      kind: 'target',
      name: `send and verify ≥ ${BETTER_AUTH_RATIO_TARGET} × Better Auth (req/s, PostgreSQL + Redis, 1 process each)`,
      pass:
        sendRatio >= BETTER_AUTH_RATIO_TARGET &&
        verifyRatio >= BETTER_AUTH_RATIO_TARGET &&
        [pgSingle.send, pgSingle.verify, rival.send, rival.verify].every(clean),
      measured:
        `send ${pgSingle.send.requestsPerS} / ${rival.send.requestsPerS} = ${sendRatio.toFixed(2)}; verify ${pgSingle.verify.requestsPerS} / ${rival.verify.requestsPerS} = ${verifyRatio.toFixed(2)}` +
        ` (CPU ms per request, all processes, theirs / ours: send ${cpuRatio(rival.cpuMsPerRequest.send, pgSingle.cpuMsPerRequest?.send)}, verify ${cpuRatio(rival.cpuMsPerRequest.verify, pgSingle.cpuMsPerRequest?.verify)})`,
    });
  }
  if (pgSingle?.fixedRate) {
    const f = pgSingle.fixedRate;
    targets.push({
      kind: 'target',
      name: `sendOtp p99 ≤ ${FIXED_RATE_P99_TARGET_MS} ms at ${FIXED_RATE_PER_S} req/s offered`,
      pass: f.latencyMs.all.p99 <= FIXED_RATE_P99_TARGET_MS && f.non2xx === 0 && f.errors + f.timeouts === 0,
      measured: `p99 ${f.latencyMs.all.p99} ms, p50 ${f.latencyMs.all.p50} ms, ${f.completed} answers, ${f.non2xx} non-2xx`,
    });
  }
  const losses = allLossChecks(r);
  if (losses.length > 0) {
    const lost = losses.reduce((sum, l) => sum + Math.abs(l.lost), 0);
    targets.push({
      kind: 'target',
      name: 'zero lost log rows (otp_logs rows == provider calls, every scenario)',
      pass: lost === 0,
      measured: `${losses.length} scenarios, ${losses.reduce((s, l) => s + l.providerCalls, 0)} provider calls, ${lost} unmatched`,
    });
  }
  if (r.ceiling.length > 0) {
    targets.push({
      kind: 'target',
      name: 'provider ceiling never exceeded (2Factor sees ≤ PROVIDER_MAX_RPS in every calendar second and every sliding 1 s)',
      pass: r.ceiling.every(ceilingHeld),
      measured: r.ceiling
        .map(
          (c) =>
            `${c.instances} inst.: ≤ ${c.simulator.maxPerCalendarSecond}/calendar s, ≤ ${c.simulator.maxInAnySlidingSecond}/sliding s`,
        )
        .join('; '),
    });
    targets.push({
      kind: 'check',
      name: 'ceiling: the excess gets 503 provider_busy with Retry-After, never another error',
      pass: r.ceiling.every(onlyBusyRefusals),
      measured: r.ceiling
        .map(
          (c) =>
            `${c.instances} inst.: refusals ${JSON.stringify(c.run.errorCodes)}, ${c.run.missingRetryAfter} without Retry-After, ${c.run.errors + c.run.timeouts} errors/timeouts${c.run.errors > 0 ? ` ${JSON.stringify(c.run.errorKinds)}` : ''}`,
        )
        .join('; '),
    });
    targets.push({
      kind: 'check',
      name: `ceiling: refusals are fast (p99 ≤ ${FAST_REFUSAL_P99_MS} ms)`,
      pass: r.ceiling.every((c) => c.run.latencyMs.failed.p99 <= FAST_REFUSAL_P99_MS),
      measured: r.ceiling
        .map(
          (c) => `${c.instances} inst.: 503 p50 ${c.run.latencyMs.failed.p50} ms, p99 ${c.run.latencyMs.failed.p99} ms`,
        )
        .join('; '),
    });
  }
  if (r.slowProvider) {
    const s = r.slowProvider.run;
    targets.push({
      kind: 'check',
      name: `slow provider (${SLOW_PROVIDER_LATENCY_MS} ms): all of ${FIXED_RATE_PER_S} req/s succeed, p99 < ${SLOW_P99_TARGET_MS} ms`,
      pass: s.non2xx === 0 && s.errors + s.timeouts === 0 && s.latencyMs.all.p99 < SLOW_P99_TARGET_MS,
      measured: `${s.completed} answers, ${s.non2xx} non-2xx, p99 ${s.latencyMs.all.p99} ms`,
    });
  }
  if (r.memory) {
    const [started, ...later] = r.memory.readings;
    const grown = later.filter((x) => started && x.wasmMb > started.wasmMb);
    targets.push({
      kind: 'check',
      name: "memory: PGlite's WebAssembly memory does not grow under the load (it never shrinks)",
      pass: started !== undefined && grown.length === 0,
      measured: r.memory.readings
        .map((x) => `${x.label} ${x.wasmMb} MiB (${x.wasmResidentMb ?? '?'} resident)`)
        .join(', '),
    });
    targets.push({
      kind: 'check',
      name: 'memory: every request of the mix answered as it must (sends 2xx, wrong codes 400 otp_mismatch)',
      pass: r.memory.unexpected === 0,
      measured: `${r.memory.unexpected} other answers`,
    });
  }
  if (r.twoInstances) {
    const failed = r.twoInstances.checks.filter((c) => !c.pass);
    targets.push({
      kind: 'check',
      name: 'two instances: per-IP and per-phone limits and sessions are shared',
      pass: failed.length === 0,
      measured: `${r.twoInstances.checks.length - failed.length}/${r.twoInstances.checks.length} checks pass`,
    });
  }
  if (r.timing) {
    const timing = r.timing;
    targets.push({
      kind: 'target',
      name: `timing: a threshold tells registered numbers from others in ≤ ${Math.round(timing.accuracyTarget * 100)} % of probes (send and wrong-code check)`,
      pass: timing.probes.every((p) => p.accuracy <= timing.accuracyTarget && p.unexpected === 0),
      measured: timing.probes
        .map(
          (p) =>
            `${p.path} ${Math.round(p.accuracy * 1000) / 10} %${p.unexpected ? `, ${p.unexpected} unexpected answers` : ''}`,
        )
        .join('; '),
    });
  }
  return targets;
}

// ─── the table ────────────────────────────────────────────────────────────────────────────────────────────

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function table(header: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => pad(cell, widths[i]!, rightAligned.has(i)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const fmt2 = (n: number | undefined) => (n === undefined ? '–' : n.toFixed(2));

export function renderReport(r: BenchResults, targets: Target[]): string {
  const row = (name: string, x: LoadResult, note = '', base?: LoadResult): string[] => [
    name,
    String(x.requestsPerS),
    fmt(x.latencyMs.all.p50),
    fmt(x.latencyMs.all.p99),
    String(x.non2xx + x.errors + x.timeouts),
    base ? (x.requestsPerS / base.requestsPerS).toFixed(2) : '',
    note,
  ];
  const rows: string[][] = [];
  if (r.baseline)
    rows.push(row('1 baseline: bare Express JSON route', r.baseline, `${r.baseline.completed} requests`, r.baseline));
  for (const t of r.throughput) {
    const base = t.baseline ?? r.baseline;
    const paired = t.baseline && t.baseline !== r.baseline ? `; baseline beside it ${t.baseline.requestsPerS}/s` : '';
    rows.push(row(`2 sendOtp · ${t.label}`, t.send, `${t.send.completed} sends${paired}`, base));
    rows.push(row(`2 verifyOtp · ${t.label}`, t.verify, `${t.verify.completed} right codes`, base));
    if (t.rival) {
      const ratio = (ours: LoadResult, theirs: LoadResult) =>
        `ours ${(ours.requestsPerS / theirs.requestsPerS).toFixed(2)} × this`;
      rows.push(
        row(
          `2 send-otp · ${t.rival.label}`,
          t.rival.send,
          `${t.rival.send.completed} sends; ${ratio(t.send, t.rival.send)}`,
          base,
        ),
      );
      rows.push(
        row(
          `2 verify · ${t.rival.label}`,
          t.rival.verify,
          `${t.rival.verify.completed} right codes; ${ratio(t.verify, t.rival.verify)}`,
          base,
        ),
      );
    }
  }
  for (const t of r.throughput) {
    if (t.fixedRate) rows.push(row(`2 sendOtp · ${FIXED_RATE_PER_S} req/s offered · ${t.label}`, t.fixedRate, 'paced'));
  }
  if (r.slowProvider) {
    rows.push(
      row(
        `3 slow provider ${SLOW_PROVIDER_LATENCY_MS} ms · ${FIXED_RATE_PER_S} req/s offered`,
        r.slowProvider.run,
        `${r.slowProvider.run.completed} sends, ${r.slowProvider.limits}`,
      ),
    );
  }
  for (const c of r.ceiling) {
    const okPerS = Math.round((c.run.statusCounts['200'] ?? 0) / c.run.elapsedS);
    rows.push(
      row(
        `${c.label} · ${CEILING_OFFERED_RATE_PER_S} req/s offered`,
        c.run,
        `${okPerS}/s sent; 2Factor saw ≤ ${c.simulator.maxPerCalendarSecond}/s, ≤ ${c.simulator.maxInAnySlidingSecond} in any 1 s; 503 p99 ${fmt(c.run.latencyMs.failed.p99)} ms`,
      ),
    );
  }
  const out: string[] = [];
  if (rows.length > 0)
    out.push(
      table(['scenario', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', '× base', 'notes'], rows, new Set([1, 2, 3, 4, 5])),
    );

  const withCpu = r.throughput.filter((t) => t.cpuMsPerRequest);
  if (withCpu.length > 0) {
    const names = [
      ...new Set(
        withCpu.flatMap((t) => [...Object.keys(t.cpuMsPerRequest!.send), ...Object.keys(t.cpuMsPerRequest!.verify)]),
      ),
    ];
    const total = (values: Record<string, number>) => Object.values(values).reduce((sum, v) => sum + v, 0);
    const cpuRow = (name: string, values: Record<string, number>) => [
      name,
      ...names.map((n) => fmt2(values[n])),
      fmt2(total(values)),
    ];
    const cpuRows: string[][] = [];
    const firstBaseline = withCpu.find((t) => t.cpuMsPerRequest!.baseline)?.cpuMsPerRequest!.baseline;
    if (firstBaseline) cpuRows.push(cpuRow('baseline (bare Express route)', firstBaseline));
    for (const t of withCpu) {
      cpuRows.push(cpuRow(`sendOtp · ${t.label}`, t.cpuMsPerRequest!.send));
      cpuRows.push(cpuRow(`verifyOtp · ${t.label}`, t.cpuMsPerRequest!.verify));
      if (t.rival) {
        cpuRows.push(cpuRow(`send-otp · ${t.rival.label}`, t.rival.cpuMsPerRequest.send));
        cpuRows.push(cpuRow(`verify · ${t.rival.label}`, t.rival.cpuMsPerRequest.verify));
      }
    }
    out.push('');
    out.push('CPU ms per request, by process (Redis is shared with other users of this machine):');
    out.push(table(['run', ...names, 'total'], cpuRows, new Set([...names.map((_, i) => i + 1), names.length + 1])));
  }

  const losses = allLossChecks(r);
  if (losses.length > 0) {
    out.push('');
    out.push(
      table(
        ['5 no loss: after scenario', 'provider calls', 'otp_logs rows', 'lost'],
        losses.map((l) => [l.scenario, String(l.providerCalls), String(l.logRows), String(l.lost)]),
        new Set([1, 2, 3]),
      ),
    );
  }
  if (r.twoInstances) {
    out.push('');
    out.push('6 two instances (A, B) on shared PostgreSQL + Redis, default limits:');
    for (const c of r.twoInstances.checks) out.push(`  ${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
  }
  if (r.timing) {
    out.push('');
    out.push('7 timing: one probe at a time, registered numbers and numbers nobody owns alternating (client-side ms):');
    out.push(
      table(
        ['probe', 'registered p50', 'p90', "nobody's p50", 'p90', 'samples each', 'threshold right'],
        r.timing.probes.map((p) => [
          p.path,
          fmt2(p.registered.p50),
          fmt2(p.registered.p90),
          fmt2(p.unregistered.p50),
          fmt2(p.unregistered.p90),
          String(p.registered.count),
          `${(p.accuracy * 100).toFixed(1)} %`,
        ]),
        new Set([1, 2, 3, 4, 5, 6]),
      ),
    );
  }
  if (r.memory) {
    const m = r.memory;
    const mb = (value: number | null) => (value === null ? '–' : value.toFixed(1));
    out.push('');
    out.push(
      `8 memory of the embedded defaults, MiB (${m.settings.requests} requests in ${m.loadS} s, ${m.settings.connections} connections, ` +
        `${m.settings.users} registered users; peak RSS ${mb(m.peakRssMb)}; ${m.unexpected} unexpected answers):`,
    );
    out.push(
      table(
        ['reading', 'RSS', 'V8 heap used', 'V8 heap total', 'external', 'PGlite WASM size', 'WASM resident'],
        m.readings.map((x) => [
          x.label,
          mb(x.rssMb),
          mb(x.heapUsedMb),
          mb(x.heapTotalMb),
          mb(x.externalMb),
          mb(x.wasmMb),
          mb(x.wasmResidentMb),
        ]),
        new Set([1, 2, 3, 4, 5, 6]),
      ),
    );
    const refusals = Object.entries(m.answers).flatMap(([part, a]) =>
      Object.entries(a.codes).map(([code, n]) => `${part}: ${n} × ${code}`),
    );
    if (refusals.length > 0) out.push(`  non-2xx answers by code: ${refusals.join('; ')}`);
  }
  const listed = (kind: Target['kind'], heading: string) => {
    const selected = targets.filter((x) => x.kind === kind);
    if (selected.length === 0) return;
    out.push(heading);
    for (const t of selected) out.push(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.measured}`);
  };
  out.push('');
  listed('target', 'Targets:');
  listed('check', 'Scenario checks:');
  if (r.errors.length > 0) {
    out.push('');
    out.push('Errors:');
    for (const e of r.errors) out.push(`  ${e}`);
  }
  return out.join('\n');
}
