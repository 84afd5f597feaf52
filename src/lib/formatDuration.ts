const wholeNumber = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 1 });

/** A measured time for people: 850 → "850 ms", 2_350 → "2.4 s", 75_000 → "1 min 15 s". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${wholeNumber.format(ms)} ms`;
  if (ms < 60_000) return `${oneDecimal.format(ms / 1_000)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms - minutes * 60_000) / 1_000);
  return seconds === 0 ? `${wholeNumber.format(minutes)} min` : `${wholeNumber.format(minutes)} min ${seconds} s`;
}
