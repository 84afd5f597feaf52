/**
 * Worker: answers the primary's collection requests with this worker's registry, and reads the whole instance's
 * metrics for a scrape by asking the primary (clusterMetricsPrimary.ts).
 */
import type { Registry } from 'prom-client';
import {
  collectAnswer,
  isCollectRequest,
  isScrapeAnswer,
  joined,
  pendingAnswers,
  reasonOf,
  scrapeRequest,
  type CollectAnswer,
  type Joined,
  type ScrapeRequest,
} from './clusterMetrics.js';
import { MetricsUnavailableError, type MetricsText } from './metricsEndpoint.js';

/**
 * How long a worker waits for the primary's answer before /metrics answers 503: above the primary's 5 s wait for
 * the workers' registries, so the primary's reason arrives first, and under the 10 s scrape_timeout Prometheus uses
 * by default.
 */
const PRIMARY_ANSWER_TIMEOUT_MS = 8_000;

/** A worker's side of the IPC channel to the primary (`process` in a cluster worker). */
export interface PrimaryChannel {
  send(message: Joined | ScrapeRequest | CollectAnswer, callback: (error: Error | null) => void): void;
  onMessage(listener: (message: unknown) => void): void;
}

/**
 * From now on answers the primary's collection requests, with nothing until `share` names the registry (a worker
 * still booting has served nothing), and tells the primary it joined. Call it first thing, so that a scrape during a
 * worker's boot counts it at once. `read` is what /metrics answers with in this worker.
 */
export function joinClusterMetrics(
  channel: PrimaryChannel = processChannel(),
  timeoutMs = PRIMARY_ANSWER_TIMEOUT_MS,
): { share: (registry: Registry) => void; read: () => Promise<MetricsText> } {
  let shared: Registry | undefined;
  channel.onMessage((message) => {
    if (!isCollectRequest(message)) return;
    void (shared?.getMetricsAsJSON() ?? Promise.resolve([]))
      .then(
        (metrics) => collectAnswer(message.id, { metrics }),
        (error: unknown) => collectAnswer(message.id, { error: reasonOf(error) }),
      )
      .then((answer) => channel.send(answer, () => undefined)); // if the primary is gone there is nobody to tell
  });
  channel.send(joined(), () => undefined);
  return { share: (registry) => void (shared = registry), read: askPrimary(channel, timeoutMs) };
}

/**
 * One request, one answer matched by id; a missing answer fails after `timeoutMs` instead of hanging the scrape.
 * Scrapes that arrive while a request is out share its answer, so at most one waits at a time.
 */
export function askPrimary(channel: PrimaryChannel, timeoutMs: number): () => Promise<MetricsText> {
  const scrapes = pendingAnswers<MetricsText>(timeoutMs);
  // An answer after its timeout is dropped: that scrape already got its 503.
  channel.onMessage((message) => {
    if (isScrapeAnswer(message))
      scrapes.settle(message.id, 'metrics' in message ? message.metrics : new MetricsUnavailableError(message.error));
  });

  const ask = () =>
    scrapes.ask(
      (id, undelivered) =>
        channel.send(scrapeRequest(id), (error) => {
          if (error) undelivered(new MetricsUnavailableError('the primary process cannot be reached'));
        }),
      () => new MetricsUnavailableError(`the primary process did not answer within ${timeoutMs} ms`),
      undefined,
    );
  let inflight: Promise<MetricsText> | undefined;
  return () => (inflight ??= ask().finally(() => (inflight = undefined)));
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
