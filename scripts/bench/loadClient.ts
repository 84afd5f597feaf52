/**
 * The orchestrator's side of the load driver: forks scripts/bench/loadDriver.ts once (its own process,
 * registered with the process list so it is stopped with everything else) and sends it jobs over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adoptProcess } from '../lib/processes.mjs';
import type { DriverReply, LoadJob, LoadResult, SequenceJob, StepAnswer } from './loadTypes.js';

const DRIVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'loadDriver.ts');

export interface LoadClient {
  load(job: Omit<LoadJob, 'kind'>): Promise<LoadResult>;
  sequence(steps: SequenceJob['steps']): Promise<StepAnswer[]>;
  pid: number;
}

// eslint-disable-next-line @typescript-eslint/require-await -- a driver that does not start is a rejection for the caller
export async function startLoadClient(): Promise<LoadClient> {
  const child: ChildProcess = fork(DRIVER, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error('could not start the load driver');
  adoptProcess('load-driver', child);
  let nextId = 1;
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (reply: DriverReply) => {
    const entry = waiting.get(reply.id);
    if (!entry) return;
    waiting.delete(reply.id);
    if (reply.ok) entry.resolve(reply.result);
    else entry.reject(new Error(`load driver: ${reply.error}`));
  });
  child.on('exit', (code, signal) => {
    for (const entry of waiting.values()) entry.reject(new Error(`load driver exited (${signal ?? code})`));
    waiting.clear();
  });
  const ask = <T>(job: LoadJob | SequenceJob) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, job });
    });
  return {
    pid: child.pid,
    load: (job) => ask<LoadResult>({ kind: 'load', ...job }),
    sequence: (steps) => ask<StepAnswer[]>({ kind: 'sequence', steps }),
  };
}
