/**
 * CPU time spent by each process of a run (Linux /proc), so a run can say how many CPU milliseconds one
 * request costs in the server, the simulator, PostgreSQL, Redis and the load driver. On a shared machine
 * requests per second swing with other people's work; CPU time per request moves much less.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Which processes make up each named group, found again at every reading (workers and backends come and go). */
export type Groups = Record<string, () => number[]>;

/** A process and every descendant (a cluster primary and its workers). */
export function withDescendants(root: number): () => number[] {
  return () => {
    const pids = allPids();
    const found = new Set([root]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const pid of pids) {
        if (!found.has(pid) && found.has(parentOf(pid) ?? -1)) {
          found.add(pid);
          grew = true;
        }
      }
    }
    return [...found];
  };
}

/** PostgreSQL backends serving one database (their process title names it). */
export function postgresBackendsOf(database: string): () => number[] {
  return () =>
    allPids().filter((pid) => commandLine(pid).startsWith('postgres: ') && commandLine(pid).includes(` ${database} `));
}

export function processesNamed(pattern: RegExp): () => number[] {
  return () => allPids().filter((pid) => pattern.test(commandLine(pid)));
}

export type CpuReading = Map<string, Map<number, number>>;

export function readCpu(groups: Groups): CpuReading {
  const reading: CpuReading = new Map();
  for (const [name, pidsOf] of Object.entries(groups)) {
    const ticks = new Map<number, number>();
    for (const pid of pidsOf()) {
      const value = cpuTicks(pid);
      if (value !== undefined) ticks.set(pid, value);
    }
    reading.set(name, ticks);
  }
  return reading;
}

/** CPU milliseconds per group between two readings (a process new in `after` counts from zero). */
export function cpuMsBetween(before: CpuReading, after: CpuReading): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, ticks] of after) {
    let total = 0;
    for (const [pid, value] of ticks) total += value - (before.get(name)?.get(pid) ?? 0);
    out[name] = Math.round((total * 1000) / TICKS_PER_S);
  }
  return out;
}
