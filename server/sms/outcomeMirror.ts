/**
 * Remembers how recent real answers ended (what happened, and how long it took), so that an answer with nothing
 * real behind it (a login code "sent" to a number nobody owns, or a check of such a code) can end the same way:
 * the same outcomes, in the same proportions, after about the same time. While 2Factor fails, real sends fail, so
 * the mirrored ones fail too; when it recovers, both succeed again.
 *
 * Only outcomes of the last `maxAgeMs` are drawn; with none that recent, `sample` answers undefined and the caller
 * uses its default (success after a typical provider time).
 */
/** Recent outcomes kept to draw from: enough for the proportions to follow the real ones. */
const DEFAULT_KEPT_OUTCOMES = 64;
/** Older outcomes no longer say how 2Factor behaves now. */
const DEFAULT_MAX_AGE_MS = 60_000;

export interface MirroredOutcome<T> {
  result: T;
  /** From the point where the real and the mirrored paths part until the answer was ready. */
  elapsedMs: number;
}

export interface OutcomeMirror<T> {
  record(result: T, elapsedMs: number): void;
  sample(): MirroredOutcome<T> | undefined;
}

export interface OutcomeMirrorOptions {
  size?: number;
  maxAgeMs?: number;
  now?: () => number;
  random?: () => number;
}

export function createOutcomeMirror<T>(options: OutcomeMirrorOptions = {}): OutcomeMirror<T> {
  const size = options.size ?? DEFAULT_KEPT_OUTCOMES;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const now = options.now ?? (() => performance.now());
  const random = options.random ?? Math.random;
  const outcomes: Array<MirroredOutcome<T> & { atMs: number }> = [];
  let next = 0;

  return {
    record(result, elapsedMs) {
      const outcome = { result, elapsedMs, atMs: now() };
      if (outcomes.length < size) outcomes.push(outcome);
      else outcomes[next] = outcome;
      next = (next + 1) % size;
    },
    sample() {
      const since = now() - maxAgeMs;
      const recent = outcomes.filter((outcome) => outcome.atMs >= since);
      const picked = recent[Math.floor(random() * recent.length)];
      return picked && { result: picked.result, elapsedMs: picked.elapsedMs };
    },
  };
}
