/**
 * Request-rate bookkeeping for the 2Factor simulator: how many API calls arrived, of which kind, and the
 * busiest second. Benchmarks use it to prove our server never exceeds 2Factor's documented ceiling
 * (200 requests/s), so it must be exact and cheap: O(1) amortised per request, no timers.
 */

export type RequestKind = 'autogen' | 'verify' | 'tsms' | 'balance' | 'other';

export interface SimulatorStats {
  totalRequests: number;
  byKind: Record<RequestKind, number>;
  /** Requests that could text someone or check a code: all but balance polls, which the server makes on its own. */
  sendsAndChecks: number;
  /** Most requests inside one wall-clock second (`floor(ms / 1000)`). */
  maxPerCalendarSecond: number;
  /** Most requests inside any window of 1000 ms, wherever it starts: the stricter measure. */
  maxInAnySlidingSecond: number;
  /** Requests per wall-clock second (epoch seconds), oldest first; the last hour at most. */
  perSecond: Array<{ second: number; count: number }>;
}

const SLIDING_WINDOW_MS = 1000;
const KEPT_SECONDS = 3600;
/** The sliding window's array is compacted once this many timestamps have left it (and they are most of it). */
const COMPACT_AFTER_ENTRIES = 1024;

export interface RequestStats {
  record(kind: RequestKind): void;
  snapshot(): SimulatorStats;
  reset(): void;
}

export function createRequestStats(now: () => number): RequestStats {
  let totalRequests = 0;
  let byKind: Record<RequestKind, number> = emptyByKind();
  let maxPerCalendarSecond = 0;
  let maxInAnySlidingSecond = 0;
  let perSecond: Array<{ second: number; count: number }> = [];
  // Arrival times inside the current sliding window: a queue as an array plus a head index.
  let window: number[] = [];
  let head = 0;

  return {
    record(kind) {
      const at = now();
      totalRequests++;
      byKind[kind]++;

      const second = Math.floor(at / 1000);
      let bucket = perSecond[perSecond.length - 1];
      if (!bucket || bucket.second !== second) {
        bucket = { second, count: 0 };
        perSecond.push(bucket);
        if (perSecond.length > KEPT_SECONDS * 2) perSecond = perSecond.slice(-KEPT_SECONDS);
      }
      bucket.count++;
      if (bucket.count > maxPerCalendarSecond) maxPerCalendarSecond = bucket.count;

      window.push(at);
      while (head < window.length && (window[head] as number) <= at - SLIDING_WINDOW_MS) head++;
      const inWindow = window.length - head;
      if (inWindow > maxInAnySlidingSecond) maxInAnySlidingSecond = inWindow;
      if (head > COMPACT_AFTER_ENTRIES && head * 2 > window.length) {
        window = window.slice(head);
        head = 0;
      }
    },

    snapshot() {
      return {
        totalRequests,
        byKind: { ...byKind },
        sendsAndChecks: totalRequests - byKind.balance,
        maxPerCalendarSecond,
        maxInAnySlidingSecond,
        perSecond: perSecond.slice(-KEPT_SECONDS).map((entry) => ({ ...entry })),
      };
    },

    reset() {
      totalRequests = 0;
      byKind = emptyByKind();
      maxPerCalendarSecond = 0;
      maxInAnySlidingSecond = 0;
      perSecond = [];
      window = [];
      head = 0;
    },
  };
}

function emptyByKind(): Record<RequestKind, number> {
  return { autogen: 0, verify: 0, tsms: 0, balance: 0, other: 0 };
}
