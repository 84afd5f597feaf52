/**
 * GET /metrics of a whole instance under WEB_CONCURRENCY > 1 (node:cluster). Each worker counts what it serves,
 * and a scrape lands on one worker; that worker asks the primary over IPC, and the primary collects every worker's
 * registry with prom-client's AggregatorRegistry and answers the total. Without cluster nothing here runs: the one
 * process answers from its own registry.
 *
 * prom-client aggregates by each metric's `aggregator`: counters and histograms are summed over the workers, and
 * so are gauges unless they say otherwise (appMetrics.ts does, for those that read shared state). Node's default
 * metrics keep prom-client's own choices: memory, handles and CPU summed, event-loop lag averaged, the version
 * taken once, the start time left out. A worker that is replaced takes its counts with it: Prometheus sees a
 * counter reset, which rate() and increase() absorb.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { MetricsUnavailableError, type MetricsText } from './metricsEndpoint.js';

/**
 * How long a worker waits for the primary's answer before /metrics answers 503. A little above prom-client's own
 * 5 s wait for the workers, so a worker that does not answer is reported by the primary, and under the 10 s
 * scrape_timeout Prometheus uses by default.
 */
const CLUSTER_METRICS_TIMEOUT_MS = 6_000;

const REQUEST = 'sms-otp:cluster-metrics-request';
const ANSWER = 'sms-otp:cluster-metrics-answer';

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

type MetricsAnswer = { type: typeof ANSWER; id: number } & ({ metrics: MetricsText } | { error: string });

const isRequest = (message: unknown): message is MetricsRequest =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === REQUEST;

const isAnswer = (message: unknown): message is MetricsAnswer =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === ANSWER;

/** A worker's side of the IPC channel to the primary (`process` in a cluster worker). */
export interface PrimaryChannel {
  send(message: MetricsRequest, callback: (error: Error | null) => void): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** Primary: answers each worker's request with the metrics of all workers together. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  const collect = async () => ({ contentType: aggregator.contentType, text: await aggregator.clusterMetrics() });
  cluster.on('message', (worker: Worker, message: unknown) => {
    void answerMetricsRequest(message, collect)?.then((answer) => {
      // A worker that left meanwhile has no scrape to answer any more: nothing to report.
      if (worker.isConnected()) worker.send(answer, undefined, undefined, () => undefined);
    });
  });
}

/** The primary's answer to a worker's message, or undefined when the message is not a metrics request. */
export function answerMetricsRequest(
  message: unknown,
  collect: () => Promise<MetricsText>,
): Promise<MetricsAnswer> | undefined {
  if (!isRequest(message)) return undefined;
  return collect().then(
    (metrics): MetricsAnswer => ({ type: ANSWER, id: message.id, metrics }),
    (error: unknown): MetricsAnswer => ({
      type: ANSWER,
      id: message.id,
      error: `the primary could not collect every worker's metrics (${error instanceof Error ? error.message : String(error)})`,
    }),
  );
}

/**
 * Worker: from now on answers the primary's collection requests, with nothing until `share` names the registry
 * (a worker still booting has served nothing), so a scrape never waits for a worker that is still starting.
 * `read` is what /metrics answers with in this worker. Call it before the first await of the worker's start.
 */
export function joinClusterMetrics(
  channel: PrimaryChannel = processChannel(),
  timeoutMs = CLUSTER_METRICS_TIMEOUT_MS,
): { share: (registry: Registry) => void; read: () => Promise<MetricsText> } {
  AggregatorRegistry.setRegistries([]);
  // The constructor installs prom-client's listener that answers the primary's collection requests.
  new AggregatorRegistry();
  return {
    share: (registry) => AggregatorRegistry.setRegistries([registry]),
    read: askPrimary(channel, timeoutMs),
  };
}

/** One request, one answer matched by id; a missing answer fails after `timeoutMs` instead of hanging the scrape. */
export function askPrimary(channel: PrimaryChannel, timeoutMs: number): () => Promise<MetricsText> {
  const pending = new Map<number, { resolve: (metrics: MetricsText) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  channel.onMessage((message) => {
    if (!isAnswer(message)) return;
    const request = pending.get(message.id);
    if (!request) return; // answered after its timeout: the scrape already got its 503
    if ('metrics' in message) request.resolve(message.metrics);
    else request.reject(new MetricsUnavailableError(message.error));
  });

  return () => {
    const id = nextId++;
    return new Promise<MetricsText>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        pending.delete(id);
      };
      const timer = setTimeout(() => {
        settle();
        reject(new MetricsUnavailableError(`the primary process did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (metrics) => {
          settle();
          resolve(metrics);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      channel.send({ type: REQUEST, id }, (error) => {
        if (error) pending.get(id)?.reject(new MetricsUnavailableError('the primary process cannot be reached'));
      });
    });
  };
}

function processChannel(): PrimaryChannel {
  return {
    send(message, callback) {
      if (!process.send) throw new Error('not a cluster worker: there is no primary to ask');
      process.send(message, undefined, undefined, callback);
    },
    onMessage: (listener) => process.on('message', listener),
  };
}
