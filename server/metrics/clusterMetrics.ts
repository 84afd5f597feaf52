/**
 * GET /metrics of a whole instance under WEB_CONCURRENCY > 1 (node:cluster): the messages between the workers and
 * the primary. Each worker counts what it serves, and a scrape lands on one worker; that worker asks the primary
 * (clusterMetricsWorker.ts), which asks every worker that joined for its registry as JSON, adds them up with
 * prom-client's AggregatorRegistry.aggregate() and answers the total (clusterMetricsPrimary.ts). Without cluster
 * nothing here runs: the one process answers from its own registry.
 *
 * prom-client aggregates by each metric's `aggregator`: counters and histograms are summed over the workers, and
 * so are gauges unless they say otherwise (appMetrics.ts does, for those that read shared state). Node's default
 * metrics keep prom-client's own choices: memory, handles, CPU and process_max_fds (the limit times the workers)
 * summed, event-loop lag averaged, the version taken once, process_start_time_seconds left out.
 *
 * A worker that dies takes its counts with it: a summed counter falls from T to T − s. Prometheus takes any decrease
 * as a reset to 0, so increase() and rate() over a window holding that fall count the survivors' whole totals once
 * more. Alert rules on ratios of rates are skewed for one window after a worker restart; where exact counts matter,
 * run one worker per instance and scale with instances.
 */
import type { Registry } from 'prom-client';
import type { MetricsText } from './metricsEndpoint.js';

/** A worker's registry as JSON, what AggregatorRegistry.aggregate() combines. */
export type RegistryJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

const JOINED = 'sms-otp:cluster-metrics-joined';
const SCRAPE = 'sms-otp:cluster-metrics-scrape';
const SCRAPE_ANSWER = 'sms-otp:cluster-metrics-scrape-answer';
const COLLECT = 'sms-otp:cluster-metrics-collect';
const COLLECT_ANSWER = 'sms-otp:cluster-metrics-collect-answer';

/** Worker → primary: it can hear collection requests from now on (IPC messages sent before that are lost). */
export interface Joined {
  type: typeof JOINED;
}
/** Worker → primary: a scrape wants the whole instance's metrics. */
export interface ScrapeRequest {
  type: typeof SCRAPE;
  id: number;
}
/** Primary → worker: the answer to a scrape. */
export type ScrapeAnswer = { type: typeof SCRAPE_ANSWER; id: number } & ({ metrics: MetricsText } | { error: string });
/** Primary → worker: send your registry. */
export interface CollectRequest {
  type: typeof COLLECT;
  id: number;
}
/** Worker → primary: its registry, or why it could not read it. */
export type CollectAnswer = { type: typeof COLLECT_ANSWER; id: number } & (
  { metrics: RegistryJson } | { error: string }
);

export const joined = (): Joined => ({ type: JOINED });
export const scrapeRequest = (id: number): ScrapeRequest => ({ type: SCRAPE, id });
export const scrapeAnswer = (id: number, outcome: { metrics: MetricsText } | { error: string }): ScrapeAnswer => ({
  type: SCRAPE_ANSWER,
  id,
  ...outcome,
});
export const collectRequest = (id: number): CollectRequest => ({ type: COLLECT, id });
export const collectAnswer = (id: number, outcome: { metrics: RegistryJson } | { error: string }): CollectAnswer => ({
  type: COLLECT_ANSWER,
  id,
  ...outcome,
});

const typeOf = (message: unknown): unknown =>
  typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
export const isJoined = (message: unknown): message is Joined => typeOf(message) === JOINED;
export const isScrapeRequest = (message: unknown): message is ScrapeRequest => typeOf(message) === SCRAPE;
export const isScrapeAnswer = (message: unknown): message is ScrapeAnswer => typeOf(message) === SCRAPE_ANSWER;
export const isCollectRequest = (message: unknown): message is CollectRequest => typeOf(message) === COLLECT;
export const isCollectAnswer = (message: unknown): message is CollectAnswer => typeOf(message) === COLLECT_ANSWER;

export const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Requests sent over IPC that wait for an answer matched by id, on both sides of the channel. Each one is settled
 * once: by its answer, by `settleWhere` (its peer left), by an undelivered send, or with `timedOut()` after
 * `timeoutMs`; its entry goes with it, so an answer that comes later is dropped.
 */
export function pendingAnswers<T, Peer = undefined>(timeoutMs: number) {
  const waiting = new Map<number, { peer: Peer; settle: (outcome: T | Error) => void }>();
  let nextId = 0;
  return {
    /** Sends request `id` with `send`, which calls `undelivered` when the message cannot reach the peer. */
    ask(
      send: (id: number, undelivered: (outcome: T | Error) => void) => void,
      timedOut: () => Error,
      peer: Peer,
    ): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const settle = (outcome: T | Error) => {
          clearTimeout(timer);
          waiting.delete(id);
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        };
        const timer = setTimeout(() => settle(timedOut()), timeoutMs);
        waiting.set(id, { peer, settle });
        send(id, (outcome) => waiting.get(id)?.settle(outcome));
      });
    },
    /** The answer to request `id`, if it still waits. */
    settle(id: number, outcome: T | Error): void {
      waiting.get(id)?.settle(outcome);
    },
    /** Settles every request still waiting on `peer`. */
    settleWhere(peer: Peer, outcome: T | Error): void {
      for (const entry of [...waiting.values()]) if (entry.peer === peer) entry.settle(outcome);
    },
  };
}
