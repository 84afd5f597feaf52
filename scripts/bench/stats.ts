/**
 * Percentiles and merging of load results. Shared by the load driver (one run) and the orchestrator
 * (several interleaved runs of the same kind, merged from their raw latencies).
 */
import type { LoadResult, Percentiles } from './loadTypes.js';

const round1 = (v: number) => Math.round(v * 10) / 10;

export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: round1(at(0.5)),
    p90: round1(at(0.9)),
    p99: round1(at(0.99)),
    max: round1(sorted[sorted.length - 1]!),
    mean: round1(sum / sorted.length),
  };
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + value;
}

/** One result for runs made with `keepSamples`: counts add up, time adds up, percentiles over all answers. */
export function mergeResults(runs: readonly LoadResult[]): LoadResult {
  const ok = runs.flatMap((r) => r.samples?.ok ?? []);
  const failed = runs.flatMap((r) => r.samples?.failed ?? []);
  const completed = runs.reduce((sum, r) => sum + r.completed, 0);
  const elapsedS = runs.reduce((sum, r) => sum + r.elapsedS, 0);
  const statusCounts: Record<string, number> = {};
  const errorCodes: Record<string, number> = {};
  const errorKinds: Record<string, number> = {};
  for (const r of runs) {
    addCounts(statusCounts, r.statusCounts);
    addCounts(errorCodes, r.errorCodes);
    addCounts(errorKinds, r.errorKinds);
  }
  const sessions = runs.flatMap((r) => r.sessions ?? []);
  const phones = runs.flatMap((r) => r.phones ?? []);
  return {
    completed,
    elapsedS: Math.round(elapsedS * 100) / 100,
    requestsPerS: Math.round(completed / elapsedS),
    statusCounts,
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    errorKinds,
    timeouts: runs.reduce((sum, r) => sum + r.timeouts, 0),
    latencyMs: { all: percentiles([...ok, ...failed]), ok: percentiles(ok), failed: percentiles(failed) },
    errorCodes,
    missingRetryAfter: runs.reduce((sum, r) => sum + r.missingRetryAfter, 0),
    ...(runs.some((r) => r.sessions) ? { sessions } : {}),
    ...(runs.some((r) => r.phones) ? { phones } : {}),
    rounds: runs.map((r) => ({ completed: r.completed, elapsedS: r.elapsedS, requestsPerS: r.requestsPerS })),
  };
}

/** A result as it goes into the report: without raw samples and collected sessions or phones. */
export function forReport(result: LoadResult): LoadResult {
  const { samples: _samples, sessions: _sessions, phones: _phones, ...rest } = result;
  return rest;
}
