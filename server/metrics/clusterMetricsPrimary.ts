/**
 * Primary: answers a worker's scrape with the metrics of every worker that joined, added up. prom-client's own
 * AggregatorRegistry.clusterMetrics() does the asking too, but keeps a request's entry after a timeout, throws (and
 * so ends the primary) on an answer it no longer expects, and asks workers that cannot hear it yet; what is written
 * here is only that asking. The adding up is prom-client's AggregatorRegistry.aggregate().
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import {
  collectRequest,
  isCollectAnswer,
  isJoined,
  isScrapeRequest,
  pendingAnswers,
  reasonOf,
  scrapeAnswer,
  type CollectRequest,
  type RegistryJson,
  type ScrapeAnswer,
} from './clusterMetrics.js';
import type { MetricsText } from './metricsEndpoint.js';

/** How long the primary waits for each worker's registry before the scrape answers 503 with that reason. */
const WORKER_ANSWER_TIMEOUT_MS = 5_000;

/** One worker as the primary sees it; `send` calls `undelivered` when the worker cannot be reached any more. */
export interface WorkerLink {
  readonly id: number;
  send(message: CollectRequest | ScrapeAnswer, undelivered: () => void): void;
}

/** The workers' messages and exits (node:cluster's, or a test's). */
export interface WorkerEvents {
  onMessage(listener: (worker: WorkerLink, message: unknown) => void): void;
  onExit(listener: (worker: WorkerLink) => void): void;
}

export function serveClusterMetrics(
  workers: WorkerEvents = clusterWorkers(),
  timeoutMs = WORKER_ANSWER_TIMEOUT_MS,
): void {
  const gather = sharedGather(workers, timeoutMs);
  workers.onMessage((worker, message) => {
    if (!isScrapeRequest(message)) return;
    void gather()
      .then(
        (metrics) => scrapeAnswer(message.id, { metrics }),
        (error: unknown) =>
          scrapeAnswer(message.id, {
            error: `the primary could not collect every worker's metrics (${reasonOf(error)})`,
          }),
      )
      .then((answer) => worker.send(answer, () => undefined)); // a worker that left has no scrape to answer any more
  });
}

/**
 * Gathers the registries of the workers that joined and adds them up; scrapes that arrive while a gather runs share
 * it (each worker's gauges read Redis and the database at collection). A worker that has not joined has served
 * nothing, so leaving it out is exact; a worker that exits during a gather counts as empty at once, as its counts
 * left with it.
 */
function sharedGather(workers: WorkerEvents, timeoutMs: number): () => Promise<MetricsText> {
  const joined = new Map<number, WorkerLink>();
  const collections = pendingAnswers<RegistryJson, number>(timeoutMs);

  workers.onMessage((worker, message) => {
    if (isJoined(message)) joined.set(worker.id, worker);
    // An answer nobody waits for (after its timeout, or not ours) is dropped.
    else if (isCollectAnswer(message))
      collections.settle(message.id, 'metrics' in message ? message.metrics : new Error(message.error));
  });
  workers.onExit((worker) => {
    joined.delete(worker.id);
    collections.settleWhere(worker.id, []);
  });

  const collectFrom = (worker: WorkerLink) =>
    collections.ask(
      (id, undelivered) => worker.send(collectRequest(id), () => undelivered([])),
      () => new Error(`worker ${worker.id} did not answer within ${timeoutMs} ms`),
      worker.id,
    );

  const gather = async (): Promise<MetricsText> => {
    const registries = await Promise.all([...joined.values()].map(collectFrom));
    const total = AggregatorRegistry.aggregate(registries);
    return { contentType: total.contentType, text: await total.metrics() };
  };
  let inflight: Promise<MetricsText> | undefined;
  return () => (inflight ??= gather().finally(() => (inflight = undefined)));
}

function clusterWorkers(): WorkerEvents {
  const link = (worker: Worker): WorkerLink => ({
    id: worker.id,
    send(message, undelivered) {
      if (!worker.isConnected()) return undelivered();
      worker.send(message, undefined, undefined, (error) => error && undelivered());
    },
  });
  return {
    onMessage: (listener) =>
      cluster.on('message', (worker: Worker, message: unknown) => listener(link(worker), message)),
    onExit: (listener) => cluster.on('exit', (worker: Worker) => listener(link(worker))),
  };
}
