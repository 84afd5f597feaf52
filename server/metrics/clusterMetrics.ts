/**
 * GET /metrics of a whole instance under WEB_CONCURRENCY > 1 (node:cluster). Each worker counts what it serves,
 * and a scrape lands on one worker; that worker asks the primary over IPC, and the primary collects every worker's
 * registry with prom-client's AggregatorRegistry and answers the total. Without cluster nothing here runs: the one
 * process answers from its own registry.
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
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { MetricsUnavailableError, type MetricsText } from './metricsEndpoint.js';

/**
 * A worker forked a moment ago is still loading its modules, and a request the primary sends it then is lost (IPC
 * messages that arrive before a listener are dropped), so prom-client would wait 5 s for it and fail. The primary
 * therefore waits until every worker has said it joined (right after its modules load), at most this long.
 */
const JOIN_WAIT_MS = 2_000;
/**
 * How long a worker waits for the primary's answer before /metrics answers 503: above the primary's wait for a
 * starting worker plus prom-client's own 5 s wait for the workers' answers, so the primary's reason arrives first,
 * and under the 10 s scrape_timeout Prometheus uses by default.
 */
const CLUSTER_METRICS_TIMEOUT_MS = 8_000;

const JOINED = 'sms-otp:cluster-metrics-joined';
const REQUEST = 'sms-otp:cluster-metrics-request';
const ANSWER = 'sms-otp:cluster-metrics-answer';

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

type MetricsAnswer = { type: typeof ANSWER; id: number } & ({ metrics: MetricsText } | { error: string });

const typeOf = (message: unknown): unknown =>
  typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
const isRequest = (message: unknown): message is MetricsRequest => typeOf(message) === REQUEST;
const isAnswer = (message: unknown): message is MetricsAnswer => typeOf(message) === ANSWER;

/** A worker's side of the IPC channel to the primary (`process` in a cluster worker). */
export interface PrimaryChannel {
  send(message: MetricsRequest | { type: typeof JOINED }, callback: (error: Error | null) => void): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** Primary: answers each worker's request with the metrics of all workers together. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  const workers = trackJoinedWorkers();
  const collect = async () => {
    await workers.allJoined(JOIN_WAIT_MS);
    return { contentType: aggregator.contentType, text: await aggregator.clusterMetrics() };
  };
  cluster.on('message', (worker: Worker, message: unknown) => {
    if (typeOf(message) === JOINED) workers.joined(worker.id);
    void answerMetricsRequest(message, collect)?.then((answer) => {
      // A worker that left meanwhile has no scrape to answer any more: nothing to report.
      if (worker.isConnected()) worker.send(answer, undefined, undefined, () => undefined);
    });
  });
}

/** Which workers can answer a collection request: those that said they joined, until they exit. */
function trackJoinedWorkers() {
  const joined = new Set<number>();
  const waiting = new Set<() => void>();
  const everyoneJoined = () =>
    Object.values(cluster.workers ?? {}).every((worker) => !worker?.isConnected() || joined.has(worker.id));
  const changed = () => waiting.forEach((check) => check());
  cluster.on('exit', (worker) => {
    joined.delete(worker.id);
    changed();
  });
  return {
    joined(id: number) {
      joined.add(id);
      changed();
    },
    /** Resolves once every connected worker joined, or after `maxWaitMs` (prom-client then reports the slow one). */
    allJoined: (maxWaitMs: number) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiting.delete(check);
          resolve();
        };
        const check = () => everyoneJoined() && done();
        const timer = setTimeout(done, maxWaitMs);
        waiting.add(check);
        check();
      }),
  };
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
 * (a worker still booting has served nothing), and tells the primary it joined. Call it first thing: a scrape waits
 * for a starting worker only until then, not while it reaches the database and Redis. `read` is what /metrics
 * answers with in this worker.
 */
export function joinClusterMetrics(
  channel: PrimaryChannel = processChannel(),
  timeoutMs = CLUSTER_METRICS_TIMEOUT_MS,
): { share: (registry: Registry) => void; read: () => Promise<MetricsText> } {
  AggregatorRegistry.setRegistries([]);
  // The constructor installs prom-client's listener that answers the primary's collection requests.
  new AggregatorRegistry();
  // From here on a collection request is heard. If the primary is gone there is nobody to tell.
  channel.send({ type: JOINED }, () => undefined);
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
