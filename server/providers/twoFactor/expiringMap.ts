/**
 * What the 2Factor simulator remembers per phone or per message beyond its OTP sessions (the newest code of
 * each phone, the recipients of each template SMS): a Map whose entries are forgotten `retentionMs` after
 * they were last set, holding at most `maxEntries` (the oldest go first). So the simulator's memory follows
 * its recent traffic, not every phone it has ever seen.
 *
 * Entries are kept in the order they were set, which is also the order they expire in (one `retentionMs`
 * for all, on a clock that does not go back), so `sweep` stops at the first live entry.
 */
export interface ExpiringMap<V> {
  set(key: string, value: V): void;
  /** The value, or undefined once it has expired (an expired entry read here is dropped at once). */
  get(key: string): V | undefined;
  /** Drops every expired entry; the simulator calls it on a timer, so memory shrinks while it idles. */
  sweep(): void;
  clear(): void;
  readonly size: number;
}

export function createExpiringMap<V>(options: {
  now: () => number;
  retentionMs: number;
  maxEntries: number;
}): ExpiringMap<V> {
  const { now, retentionMs, maxEntries } = options;
  const entries = new Map<string, { value: V; expiresAt: number }>();
  return {
    set(key, value) {
      entries.delete(key); // set again at the end, where the newest expiry belongs
      entries.set(key, { value, expiresAt: now() + retentionMs });
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
    },
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    sweep() {
      const at = now();
      for (const [key, entry] of entries) {
        if (entry.expiresAt > at) break;
        entries.delete(key);
      }
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
