import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answerMetricsRequest, askPrimary, type PrimaryChannel } from './clusterMetrics.js';
import { metricsEndpoint, MetricsUnavailableError, type MetricsText } from './metricsEndpoint.js';

const TIMEOUT_MS = 6_000;
const TOKEN = 'metrics-token-0123456789abcdef-0123';

/**
 * A worker's channel to an in-memory primary that answers with `collect` (the primary's real answering code), or
 * holds every request back until `release()` when `hold` is set.
 */
function fakePrimary(collect: () => Promise<MetricsText>, options: { hold?: boolean; closed?: boolean } = {}) {
  let deliver: (message: unknown) => void = () => undefined;
  const held: Array<() => void> = [];
  const channel: PrimaryChannel = {
    send(message, callback) {
      if (options.closed) return void setImmediate(() => callback(new Error('Channel closed')));
      callback(null);
      const answer = () => void answerMetricsRequest(message, collect)?.then(deliver);
      if (options.hold) held.push(answer);
      else answer();
    },
    onMessage: (listener) => void (deliver = listener),
  };
  return {
    channel,
    /** Answers the held requests, last first. */
    release: () => held.reverse().forEach((answer) => answer()),
    /** A message the primary sends on the same channel that is not ours (prom-client's collection request). */
    sendOther: (message: unknown) => deliver(message),
  };
}

const exposition = (text: string): MetricsText => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', text });

describe('asking the primary for the metrics of all workers', () => {
  afterEach(() => void vi.useRealTimers());

  it('answers each scrape with the metrics the primary gathered for it, even when answers come back out of order', async () => {
    let scrapes = 0;
    const primary = fakePrimary(async () => exposition(`scrape ${(scrapes += 1)}`), { hold: true });
    const read = askPrimary(primary.channel, TIMEOUT_MS);
    const first = read();
    const second = read();
    primary.sendOther({ type: 'prom-client:getMetricsReq', requestId: 0 });
    primary.release();
    // The second request is answered first (scrape 1); each promise still gets its own answer.
    await expect(first).resolves.toEqual(exposition('scrape 2'));
    await expect(second).resolves.toEqual(exposition('scrape 1'));
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
    const primary = fakePrimary(() => Promise.reject(new Error('Operation timed out.')));
    await expect(askPrimary(primary.channel, TIMEOUT_MS)()).rejects.toThrow(
      new MetricsUnavailableError("the primary could not collect every worker's metrics (Operation timed out.)"),
    );
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
});
