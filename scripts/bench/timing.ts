/**
 * Scenario 7: can a login send or a wrong-code check tell, by its time, whether a number is registered?
 *
 * One at a time, alternating, so both kinds see the same machine: `samples` login sends to registered numbers and
 * as many to numbers nobody owns, then one wrong-code check of each of those sessions. Then a simple attacker: half
 * of the probes (every other one) teach a threshold (half-way between the two medians, on the side the medians
 * say); the other half are classified by it. If the times told nothing, the attacker would be right about half
 * the time; the goal is at most 55 % (a random split of this many probes lands within about ±3 % of 50 %).
 */
import type { StepAnswer } from './loadTypes.js';
import { bodyField, phoneNumber } from './loadTypes.js';
import type { BenchContext } from './scenarios.js';
import { startApp, THROUGHPUT_LIMITS } from './scenarios.js';

export interface TimingSide {
  /** Milliseconds at the client, per probe. */
  p50: number;
  p90: number;
  count: number;
}

export interface TimingProbe {
  path: 'sendOtp' | 'verifyOtp (wrong code)';
  registered: TimingSide;
  unregistered: TimingSide;
  /** Share of the test probes the threshold classified right. */
  accuracy: number;
  /** Answers that were not what the probe expected (200 for sends, 400 otp_mismatch for checks). */
  unexpected: number;
}

export interface TimingResult {
  probes: TimingProbe[];
  accuracyTarget: number;
}

export const TIMING_ACCURACY_TARGET = 0.55;
const WARMUP_PAIRS = 50;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function side(times: number[]): TimingSide {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 0.5)), p90: round(percentile(sorted, 0.9)), count: times.length };
}

const round = (ms: number) => Math.round(ms * 100) / 100;
const median = (times: number[]) =>
  percentile(
    [...times].sort((a, b) => a - b),
    0.5,
  );

/** Trains a threshold on the even probes and scores it on the odd ones. */
export function thresholdAccuracy(registered: number[], unregistered: number[]): number {
  const train = (xs: number[]) => xs.filter((_, i) => i % 2 === 0);
  const test = (xs: number[]) => xs.filter((_, i) => i % 2 === 1);
  const registeredSlower = median(train(registered)) >= median(train(unregistered));
  const threshold = (median(train(registered)) + median(train(unregistered))) / 2;
  const saysRegistered = (ms: number) => (registeredSlower ? ms > threshold : ms < threshold);
  const right =
    test(registered).filter(saysRegistered).length + test(unregistered).filter((ms) => !saysRegistered(ms)).length;
  return right / (test(registered).length + test(unregistered).length);
}

export async function timingProbes(ctx: BenchContext, samples: number): Promise<TimingResult> {
  const app = await startApp(ctx, 'timing', { limits: THROUGHPUT_LIMITS });
  try {
    const send = (phone: string) => ({
      target: app.url,
      method: 'POST' as const,
      path: '/api/sms/sendOtp',
      body: { phone, purpose: 'login' },
    });
    const check = (sessionId: string) => ({
      target: app.url,
      method: 'POST' as const,
      path: '/api/sms/verifyOtp',
      body: { session_id: sessionId, otp: '000000' },
    });
    // Registered: seeded users near the end of the seeded range (no other scenario sends to them); unregistered: past it.
    const total = WARMUP_PAIRS + samples;
    const registeredPhones = Array.from({ length: total }, (_, i) => phoneNumber(ctx.settings.users - 1 - i));
    const strangerPhones = Array.from({ length: total }, (_, i) => phoneNumber(ctx.settings.users + 10_000 + i));

    const sends = await ctx.load.sequence(
      registeredPhones.flatMap((phone, i) => [send(phone), send(strangerPhones[i]!)]),
    );
    const sessionOf = (answer: StepAnswer | undefined) => bodyField(answer, 'session_id');
    const checks = await ctx.load.sequence(sends.map((answer) => check(sessionOf(answer))));

    const measure = (
      path: TimingProbe['path'],
      answers: StepAnswer[],
      expected: (a: StepAnswer) => boolean,
    ): TimingProbe => {
      const measured = answers.slice(2 * WARMUP_PAIRS);
      const registered = measured.filter((_, i) => i % 2 === 0).map((a) => a.elapsedMs);
      const unregistered = measured.filter((_, i) => i % 2 === 1).map((a) => a.elapsedMs);
      return {
        path,
        registered: side(registered),
        unregistered: side(unregistered),
        accuracy: round(thresholdAccuracy(registered, unregistered)),
        unexpected: answers.filter((a) => !expected(a)).length,
      };
    };
    return {
      probes: [
        measure('sendOtp', sends, (a) => a.status === 200),
        measure('verifyOtp (wrong code)', checks, (a) => a.status === 400 && a.body?.status === 'otp_mismatch'),
      ],
      accuracyTarget: TIMING_ACCURACY_TARGET,
    };
  } finally {
    await app.managed.stop();
  }
}
