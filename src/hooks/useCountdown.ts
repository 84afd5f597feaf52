import { useCallback, useEffect, useState } from 'react';

/** How often a running countdown re-reads the clock. */
export const COUNTDOWN_TICK_MS = 250;

/** Whole seconds left until `at` (rounded up: never announce "0" while the server still refuses). */
export function secondsUntil(at: number | null, now: number): number {
  return at === null ? 0 : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * A wait the server imposed (`retry_after_s`), counted down. `start(seconds)` turns it into an end timestamp
 * at once; the seconds left are recomputed from that timestamp on each tick, so a late timer never drifts.
 */
export function useCountdown() {
  const [endsAt, setEndsAt] = useState<number | null>(null);
  /** The clock the countdown reads: set by start() and on every tick, never during render. */
  const [now, setNow] = useState(0);

  useEffect(() => {
    if (endsAt === null) return;
    const timer = setInterval(() => {
      const at = Date.now();
      setNow(at);
      if (at >= endsAt) clearInterval(timer);
    }, COUNTDOWN_TICK_MS);
    return () => clearInterval(timer);
  }, [endsAt]);

  const start = useCallback((seconds: number) => {
    const at = Date.now();
    setNow(at);
    setEndsAt(at + seconds * 1000);
  }, []);

  return { secondsLeft: secondsUntil(endsAt, now), start };
}
