import { Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { sampleValue } from '../../test/support/prometheusText.js';
import {
  collectAnswer,
  isCollectRequest,
  isScrapeAnswer,
  joined,
  scrapeRequest,
  type RegistryJson,
} from './clusterMetrics.js';
import { serveClusterMetrics, type WorkerEvents, type WorkerLink } from './clusterMetricsPrimary.js';

const TIMEOUT_MS = 5_000;

/** node:cluster's messages and exits, played by the test; each worker keeps what the primary sent it. */
function fakeCluster() {
  const messageListeners: Array<(worker: WorkerLink, message: unknown) => void> = [];
  const exitListeners: Array<(worker: WorkerLink) => void> = [];
  const events: WorkerEvents = {
    onMessage: (listener) => void messageListeners.push(listener),
    onExit: (listener) => void exitListeners.push(listener),
  };
  const worker = (id: number) => {
    const received: unknown[] = [];
    const link: WorkerLink = { id, send: (message) => void received.push(message) };
    const say = (message: unknown) => messageListeners.forEach((listener) => listener(link, message));
    return {
      received,
      say,
      exit: () => exitListeners.forEach((listener) => listener(link)),
      /** The ids of the collection requests sent to it so far. */
      collectIds: () => received.filter(isCollectRequest).map((message) => message.id),
      scrapeAnswers: () => received.filter(isScrapeAnswer),
      answerWith: (metrics: RegistryJson) =>
        received.filter(isCollectRequest).forEach((r) => say(collectAnswer(r.id, { metrics }))),
    };
  };
  return { events, worker };
}

/** The primary serving a fake cluster whose workers 1 and 2 joined, and worker 3, still booting, has not. */
function primaryWithTwoJoinedWorkers() {
  const cluster = fakeCluster();
  serveClusterMetrics(cluster.events, TIMEOUT_MS);
  const workers = [cluster.worker(1), cluster.worker(2), cluster.worker(3)] as const;
  workers[0].say(joined());
  workers[1].say(joined());
  return workers;
}

async function registryWithSends(sends: number): Promise<RegistryJson> {
  const registry = new Registry();
  new Counter({ name: 'otp_sends_total', help: 'sends', registers: [registry] }).inc(sends);
  new Gauge({ name: 'sms_daily_budget', help: 'budget', aggregator: 'max', registers: [registry] }).set(
    sends > 0 ? 100 : 0,
  );
  return registry.getMetricsAsJSON();
}

describe('the primary gathering the metrics of all workers', () => {
  it('answers a scrape with the sum of the joined workers once each answered, and asks no worker that has not joined', async () => {
    const [one, two, booting] = primaryWithTwoJoinedWorkers();
    one.say(scrapeRequest(41));
    expect(booting.received).toEqual([]);

    one.answerWith(await registryWithSends(3));
    await Promise.resolve();
    expect(one.scrapeAnswers()).toEqual([]); // still waiting for worker 2
    two.answerWith(await registryWithSends(4));

    await vi.waitFor(() => expect(one.scrapeAnswers()).toHaveLength(1));
    const [answer] = one.scrapeAnswers();
    expect(answer).toMatchObject({ id: 41, metrics: { contentType: expect.stringMatching(/^text\/plain/) } });
    const text = answer && 'metrics' in answer ? answer.metrics.text : '';
    expect(sampleValue(text, 'otp_sends_total')).toBe(7);
    expect(sampleValue(text, 'sms_daily_budget')).toBe(100);
  });

  it('stops waiting at once for a worker that exits during a gather, and counts it as empty', async () => {
    vi.useFakeTimers();
    const [one, two] = primaryWithTwoJoinedWorkers();
    one.say(scrapeRequest(1));
    one.answerWith(await registryWithSends(3));
    const [lostId] = two.collectIds();
    two.exit();
    await vi.advanceTimersByTimeAsync(0);
    expect(one.scrapeAnswers()).toHaveLength(1);
    const [answer] = one.scrapeAnswers();
    expect(answer && 'metrics' in answer && sampleValue(answer.metrics.text, 'otp_sends_total')).toBe(3);

    // Its entry is gone: a late answer changes nothing, and the next gather does not ask it.
    two.say(collectAnswer(lostId!, { metrics: await registryWithSends(50) }));
    one.say(scrapeRequest(2));
    expect(two.collectIds()).toEqual([lostId]);
  });

  it('answers the reason when a worker does not answer in time, and drops its late answer and unknown ids without failing', async () => {
    vi.useFakeTimers();
    const [one, two] = primaryWithTwoJoinedWorkers();
    one.say(scrapeRequest(5));
    one.answerWith(await registryWithSends(1));
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS);
    expect(one.scrapeAnswers()).toEqual([
      {
        type: 'sms-otp:cluster-metrics-scrape-answer',
        id: 5,
        error: "the primary could not collect every worker's metrics (worker 2 did not answer within 5000 ms)",
      },
    ]);
    const late = await registryWithSends(2);
    expect(() => two.answerWith(late)).not.toThrow();
    expect(() => two.say(collectAnswer(9_999, { metrics: [] }))).not.toThrow();
  });

  it('lets scrapes that arrive during a gather share it: each worker is asked once', async () => {
    const [one, two] = primaryWithTwoJoinedWorkers();
    one.say(scrapeRequest(1));
    two.say(scrapeRequest(1));
    one.say(scrapeRequest(2));
    expect([one.collectIds().length, two.collectIds().length]).toEqual([1, 1]);
    one.answerWith(await registryWithSends(2));
    two.answerWith(await registryWithSends(5));
    await vi.waitFor(() => expect(one.scrapeAnswers()).toHaveLength(2));
    await vi.waitFor(() => expect(two.scrapeAnswers()).toHaveLength(1));
    const totals = [...one.scrapeAnswers(), ...two.scrapeAnswers()].map((answer) =>
      'metrics' in answer ? sampleValue(answer.metrics.text, 'otp_sends_total') : answer.error,
    );
    expect(totals).toEqual([7, 7, 7]);

    one.say(scrapeRequest(3)); // after the gather ended: a new one
    expect(one.collectIds()).toHaveLength(2);
  });
});
