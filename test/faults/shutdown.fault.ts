/**
 * SIGTERM under load, on the real server process: requests already accepted finish (with their log rows
 * committed after the signal), new ones are turned away cleanly, and the process exits 0.
 */
import { Agent, get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServices, type FaultServices } from './support/faultServices.js';
import type { TwoFactorSimulator } from '../../server/providers/twoFactor/simulator.js';
import { outcomes, phonesWithoutLogRow, seedPhoneUsers, sessionsWithoutLogRow } from './support/fixtures.js';
import { sleep, spawnServer, startSendOtpLoad, waitFor, type ServerProcess } from './support/serverProcess.js';
import { loadTestEnv, type PostgresInstance, type RedisInstance } from './support/services.js';

const API_KEY = 'f4u1t5-5hutd0wn-key-0000-77aa19c2';

/** 2Factor answers slowly, so several sends are mid-call when the signal arrives. */
const PROVIDER_LATENCY_MS = 700;

/** The `Keep-Alive` header the server answers with on a keep-alive connection. */
function keepAliveHeaderOf(url: string): Promise<string | undefined> {
  const agent = new Agent({ keepAlive: true });
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => {
        agent.destroy();
        const header = res.headers['keep-alive'];
        resolve(Array.isArray(header) ? header.join(', ') : header);
      });
    }).on('error', reject);
  });
}

describe('SIGTERM under load (real server process)', () => {
  let postgres: PostgresInstance;
  let redis: RedisInstance;
  let simulator: TwoFactorSimulator;
  let services: FaultServices | undefined;
  let phones: string[];
  let server: ServerProcess | undefined;
  /** Phones whose send reached 2Factor (every request of this test uses its own phone). */
  const reachedProvider = new Set<string>();

  /** The real server on the suite's PostgreSQL, Redis and simulator, with limits raised out of the way. */
  const start = () =>
    spawnServer(loadTestEnv(postgres, redis, { url: simulator.url, apiKey: API_KEY }), { waitUntilListening: true });

  beforeAll(async () => {
    services = await startFaultServices({
      latencyMs: PROVIDER_LATENCY_MS,
      onRequest: ({ url }) => {
        const digits = /\/SMS\/91(\d{10})\/AUTOGEN/.exec(url)?.[1];
        if (digits) reachedProvider.add(`+91${digits}`);
      },
    });
    ({ postgres, redis, simulator } = services);
    phones = await seedPhoneUsers(postgres.url(), 600);
  });

  afterAll(async () => {
    await server?.stop();
    await services?.stop();
  });

  it.each([
    ['one fresh connection per request', false, 0],
    ['keep-alive connections (as from a reverse proxy)', true, 200],
  ] as const)(
    'over %s: lets accepted requests finish with their log rows, refuses new ones cleanly, and exits 0',
    async (_transport, keepAlive, firstPhone) => {
      reachedProvider.clear();
      const ownPhones = phones.slice(firstPhone, firstPhone + 200);
      server = await start();
      // Idle connections outlive a load balancer's (60 s), so the balancer, not the server, closes them.
      expect((await keepAliveHeaderOf(`${server.url}/api/health`)) ?? '').toBe('timeout=65');
      const load = startSendOtpLoad(server.url, ownPhones, { ratePerSecond: 15, maxInFlight: 40, keepAlive });
      await waitFor('sends to succeed', () => load.records.some((r) => r.status === 200), 20_000);
      const answered = () => new Set(load.records.map((r) => r.phone));
      const midCall = () => [...reachedProvider].filter((phone) => !answered().has(phone));
      await waitFor('several sends to be mid-call at 2Factor', () => midCall().length >= 4, 10_000, 10);

      const inFlightAtSignal = midCall();
      server.signal('SIGTERM');
      const signalledAt = performance.now();
      const exit = await server.exited;
      const exitAfterMs = performance.now() - signalledAt;
      await sleep(500); // the load keeps knocking on the closed port for a moment
      const records = await load.stop();
      expect(records.length).toBeLessThan(ownPhones.length); // every request had its own phone

      expect(exit.code).toBe(0);
      expect(exit.signal).toBeNull();
      // Well inside the 10 s grace: idle keep-alive connections are closed at once, not waited for.
      expect(exitAfterMs).toBeLessThan(6_000);
      const log = server.logLines();
      expect(log.some((line) => line.msg === 'shutting down: draining requests')).toBe(true);
      // 'stopped' is the last thing logged. (pino writes asynchronously and the exit flushes what is buffered, so a
      // request line logged just before it may be printed just after it: compare log times, not print order.)
      const stopped = log.find((line) => line.msg === 'stopped');
      expect(stopped, server.output().slice(-3000)).toBeDefined();
      expect(
        log.filter((line) => Number(line.time) > Number(stopped!.time)),
        server.output().slice(-3000),
      ).toEqual([]);
      expect(log.filter((line) => Number(line.level) >= 50)).toEqual([]);

      // Sends that were mid-call when the signal arrived all finished.
      const byPhone = new Map(records.map((record) => [record.phone, record]));
      expect(inFlightAtSignal.map((phone) => byPhone.get(phone)?.status)).toEqual(inFlightAtSignal.map(() => 200));
      // Every request the server accepted got a proper answer: 200, or 503 shutting_down for one that arrived during the drain.
      for (const record of records) {
        if (reachedProvider.has(record.phone)) expect(record.status, JSON.stringify(record)).toBe(200);
        if (record.error !== undefined) {
          // Only requests the server never took on: refused after the listener closed, reset out of its backlog,
          // or (keep-alive) sent on a pooled connection just as the server closed it.
          expect(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET']).toContain(record.error);
          expect(record.startedAtMs + record.durationMs).toBeGreaterThan(signalledAt);
        } else {
          expect([200, 503]).toContain(record.status);
          if (record.status === 503) expect(record.body).toMatchObject({ status: 'shutting_down' });
        }
      }
      // Their log rows were committed before the process exited.
      const { acknowledged, missing } = await sessionsWithoutLogRow(postgres.url(), records);
      expect(acknowledged).toBeGreaterThanOrEqual(inFlightAtSignal.length);
      expect(missing).toEqual([]);
      expect(server.output()).not.toContain(API_KEY);
      console.warn(
        `[faults] SIGTERM over ${_transport}: ${inFlightAtSignal.length} sends mid-call at the signal; exit 0 after ${Math.round(exitAfterMs)} ms; ${JSON.stringify(outcomes(records))}`,
      );
    },
  );

  it('logs the provider calls of clients that hung up before their answer, before it exits', async () => {
    reachedProvider.clear();
    const ownPhones = phones.slice(400, 600);
    server = await start();
    // Every client gives up long before 2Factor answers: the server's sockets close, its handlers do not.
    const load = startSendOtpLoad(server.url, ownPhones, {
      ratePerSecond: 20,
      maxInFlight: 40,
      timeoutMs: PROVIDER_LATENCY_MS / 4,
    });
    await waitFor('several sends to be mid-call at 2Factor', () => reachedProvider.size >= 6, 20_000, 10);
    await waitFor('their clients to hang up', () => load.records.length >= 6, 5_000, 10);
    server.signal('SIGTERM');
    const exit = await server.exited;
    const records = await load.stop();

    expect(exit.code).toBe(0);
    expect(records.every((record) => record.status !== 200)).toBe(true);
    const called = [...reachedProvider];
    expect(called.length).toBeGreaterThanOrEqual(6);
    expect(await phonesWithoutLogRow(postgres.url(), called)).toEqual([]);
    expect(server.logLines().filter((line) => Number(line.level) >= 50)).toEqual([]);
    console.warn(
      `[faults] SIGTERM with hung-up clients: ${called.length} provider calls, all logged; ${JSON.stringify(outcomes(records))}`,
    );
  });
});
