import express from 'express';
import { Counter, Registry } from 'prom-client';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { collectRequest, isCollectAnswer, isScrapeRequest, scrapeAnswer } from './clusterMetrics.js';
import { askPrimary, joinClusterMetrics, type PrimaryChannel } from './clusterMetricsWorker.js';
import { metricsEndpoint, MetricsUnavailableError, type MetricsText } from './metricsEndpoint.js';

const TIMEOUT_MS = 6_000;
const TOKEN = 'metrics-token-0123456789abcdef-0123';

/**
 * A worker's channel to an in-memory primary that answers each scrape request with `collect`, or holds every
 * request back until `release()` when `hold` is set. `sent` is every message the worker sent.
 */
function fakePrimary(collect: () => Promise<MetricsText>, options: { hold?: boolean; closed?: boolean } = {}) {
  const listeners: Array<(message: unknown) => void> = [];
  const deliver = (message: unknown) => listeners.forEach((listener) => listener(message));
  const held: Array<() => void> = [];
  const sent: unknown[] = [];
  const channel: PrimaryChannel = {
    send(message, callback) {
      if (options.closed) return void setImmediate(() => callback(new Error('Channel closed')));
      sent.push(message);
      callback(null);
      if (!isScrapeRequest(message)) return;
      const answer = () =>
        void collect().then(
          (metrics) => deliver(scrapeAnswer(message.id, { metrics })),
          (error: Error) => deliver(scrapeAnswer(message.id, { error: error.message })),
        );
      if (options.hold) held.push(answer);
      else answer();
    },
    onMessage: (listener) => void listeners.push(listener),
  };
  return {
    channel,
    sent,
    /** Answers the held requests. */
    release: () => held.splice(0).forEach((answer) => answer()),
    /** A message from the primary. */
    deliver,
  };
}

const exposition = (text: string): MetricsText => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', text });

describe('asking the primary for the metrics of all workers', () => {
  it('lets scrapes that arrive while a request is out share its answer, and asks again for a later scrape', async () => {
    let scrapes = 0;
    const primary = fakePrimary(async () => exposition(`scrape ${(scrapes += 1)}`), { hold: true });
    const read = askPrimary(primary.channel, TIMEOUT_MS);
    const [first, second] = [read(), read()];
    primary.deliver({ type: 'not-ours', id: 0 });
    primary.release();
    await expect(first).resolves.toEqual(exposition('scrape 1'));
    await expect(second).resolves.toEqual(exposition('scrape 1'));
    const later = read();
    primary.release();
    await expect(later).resolves.toEqual(exposition('scrape 2'));
    expect(primary.sent.filter(isScrapeRequest)).toHaveLength(2);
  });

  it('fails with a clear reason after the timeout when the primary does not answer, and ignores a late answer', async () => {
    vi.useFakeTimers();
    const primary = fakePrimary(async () => exposition('late'), { hold: true });
    let outcome: string | undefined;
    void askPrimary(primary.channel, TIMEOUT_MS)().then(
      () => (outcome = 'answered'),
      (error: unknown) => (outcome = error instanceof MetricsUnavailableError ? error.message : String(error)),
    );
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS - 1);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toBe(`the primary process did not answer within ${TIMEOUT_MS} ms`);
    primary.release();
    await vi.runAllTimersAsync();
    expect(outcome).toBe(`the primary process did not answer within ${TIMEOUT_MS} ms`);
  });

  it('passes on the reason when the primary could not collect every worker', async () => {
    const reason = "the primary could not collect every worker's metrics (worker 2 did not answer within 5000 ms)";
    const primary = fakePrimary(() => Promise.reject(new Error(reason)));
    await expect(askPrimary(primary.channel, TIMEOUT_MS)()).rejects.toThrow(new MetricsUnavailableError(reason));
  });

  it('fails at once when the channel to the primary is closed', async () => {
    const primary = fakePrimary(async () => exposition('never'), { closed: true });
    await expect(askPrimary(primary.channel, TIMEOUT_MS)()).rejects.toThrow(
      new MetricsUnavailableError('the primary process cannot be reached'),
    );
  });

  it('makes GET /metrics answer 503 with the reason as text, never hang, when the primary does not answer', async () => {
    const primary = fakePrimary(async () => exposition('late'), { hold: true });
    const app = express().get('/metrics', metricsEndpoint({ token: TOKEN, read: askPrimary(primary.channel, 50) }));
    const res = await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(503);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('Service unavailable: the primary process did not answer within 50 ms; try again.\n');
  });

  it("answers the primary's collection requests with this worker's registry, empty until it is shared", async () => {
    const primary = fakePrimary(async () => exposition('unused'));
    const worker = joinClusterMetrics(primary.channel, TIMEOUT_MS);
    expect(primary.sent).toEqual([{ type: 'sms-otp:cluster-metrics-joined' }]);
    const answers = async () => {
      await vi.waitFor(() => expect(primary.sent.filter(isCollectAnswer).length).toBeGreaterThan(0));
      return primary.sent.splice(1);
    };

    primary.deliver(collectRequest(7));
    expect(await answers()).toEqual([{ type: 'sms-otp:cluster-metrics-collect-answer', id: 7, metrics: [] }]);

    const registry = new Registry();
    new Counter({ name: 'otp_sends_total', help: 'sends', registers: [registry] }).inc(3);
    worker.share(registry);
    primary.deliver(collectRequest(8));
    expect(await answers()).toEqual([
      { type: 'sms-otp:cluster-metrics-collect-answer', id: 8, metrics: await registry.getMetricsAsJSON() },
    ]);
  });
});
