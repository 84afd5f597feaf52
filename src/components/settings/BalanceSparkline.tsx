import { useId } from 'react';
import type { BalancePoint } from '../../../common/api/sms.js';
import { cn } from '@/lib/utils';

const WIDTH = 300;
const HEIGHT = 64;
const PAD = 4;
const WEEK_MS = 7 * 24 * 3_600_000;

const count = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 2 });

/**
 * A balance's last 7 days as a line over time (hand-written SVG: a chart library would weigh more than the
 * page), with the alert threshold dashed when it falls in range. The line is decoration: the figure's caption
 * says what it shows in words, for everyone.
 */
export function BalanceSparkline({
  history,
  alertBelow,
  low,
}: {
  history: readonly BalancePoint[];
  alertBelow: number | undefined;
  low: boolean;
}) {
  const captionId = useId();
  if (history.length < 2) return null;
  const times = history.map((point) => Date.parse(point.at));
  const endMs = times.at(-1)!;
  const startMs = Math.min(times[0]!, endMs - WEEK_MS);
  const balances = history.map((point) => point.balance);
  const shownThreshold = alertBelow !== undefined && alertBelow > 0 ? alertBelow : undefined;
  const top = Math.max(...balances, shownThreshold ?? 0);
  const bottom = Math.min(...balances, shownThreshold ?? Infinity);
  const span = top - bottom || 1;
  const x = (ms: number) => PAD + ((ms - startMs) / (endMs - startMs || 1)) * (WIDTH - 2 * PAD);
  const y = (balance: number) => HEIGHT - PAD - ((balance - bottom) / span) * (HEIGHT - 2 * PAD);
  const line = history
    .map((point, index) => `${index === 0 ? 'M' : 'L'}${x(times[index]!).toFixed(1)},${y(point.balance).toFixed(1)}`)
    .join(' ');
  const lowest = Math.min(...balances);
  const highest = Math.max(...balances);

  return (
    <figure aria-labelledby={captionId} className="grid gap-1">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        aria-hidden="true"
        focusable="false"
        className="h-16 w-full rounded-md border bg-muted/30"
      >
        {shownThreshold !== undefined ? (
          <line
            x1={PAD}
            x2={WIDTH - PAD}
            y1={y(shownThreshold)}
            y2={y(shownThreshold)}
            className="stroke-destructive/60"
            strokeDasharray="4 3"
            vectorEffect="non-scaling-stroke"
          />
        ) : null}
        <path
          d={line}
          fill="none"
          strokeWidth={2}
          vectorEffect="non-scaling-stroke"
          className={cn(low ? 'stroke-destructive' : 'stroke-chart-2')}
        />
      </svg>
      <figcaption id={captionId} className="text-xs text-muted-foreground">
        {`Last 7 days: from ${count.format(balances[0]!)} to ${count.format(balances.at(-1)!)}, lowest ${count.format(lowest)}, highest ${count.format(highest)}.`}
        {shownThreshold !== undefined ? ` Dashed: the alert threshold, ${count.format(shownThreshold)}.` : ''}
      </figcaption>
    </figure>
  );
}
