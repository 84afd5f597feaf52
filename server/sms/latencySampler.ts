/**
 * Remembers recent provider response times so that answers which skip the provider (a login code
 * "sent" to an unregistered number) take about as long as real ones and reveal nothing by their timing.
 */
export interface LatencySampler {
  record(ms: number): void;
  /** A recent response time picked at random, or the default before any was recorded. */
  sample(): number;
}

export function createLatencySampler(size = 64, defaultMs = 250, random: () => number = Math.random): LatencySampler {
  const samples: number[] = [];
  let next = 0;
  return {
    record(ms) {
      if (samples.length < size) samples.push(ms);
      else samples[next] = ms;
      next = (next + 1) % size;
    },
    sample() {
      if (samples.length === 0) return defaultMs;
      return samples[Math.floor(random() * samples.length)]!;
    },
  };
}
