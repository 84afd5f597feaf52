import { useId } from 'react';
import type { OtpLogItem } from '../../../common/api/sms.js';
import { cn } from '@/lib/utils';

/** Statuses that count as a success in the success rate: the provider sent, or the code matched. */
export const SUCCESS_STATUSES: ReadonlySet<string> = new Set(['sent', 'verified']);

export interface OtpLogStats {
  count: number;
  successes: number;
  /** 0–100, rounded; null without entries. */
  successRatePercent: number | null;
  medianMs: number | null;
  maxMs: number | null;
}

export function otpLogStats(items: readonly OtpLogItem[]): OtpLogStats {
  const count = items.length;
  const successes = items.filter((item) => SUCCESS_STATUSES.has(item.status)).length;
  const times = items.map((item) => item.response_time_ms).sort((a, b) => a - b);
  const middle = Math.floor(times.length / 2);
  const medianMs =
    times.length === 0 ? null : times.length % 2 === 1 ? times[middle]! : Math.round((times[middle - 1]! + times[middle]!) / 2);
  return {
    count,
    successes,
    successRatePercent: count === 0 ? null : Math.round((successes / count) * 100),
    medianMs,
    maxMs: times.length === 0 ? null : times[times.length - 1]!,
  };
}

const numberFormat = new Intl.NumberFormat();
const ms = (value: number) => `${numberFormat.format(value)} ms`;

/** The chart's meaning in one sentence: what a screen reader gets instead of the bars. */
export function otpLogSummary(stats: OtpLogStats): string {
  if (stats.count === 0) return 'No entries to chart.';
  const entries = `${stats.count} ${stats.count === 1 ? 'entry' : 'entries'}`;
  return (
    `${entries}: success rate ${stats.successRatePercent}% (${stats.successes} of ${stats.count} sent or verified); ` +
    `response time median ${ms(stats.medianMs ?? 0)}, slowest ${ms(stats.maxMs ?? 0)}.`
  );
}

const WIDTH = 600;
const HEIGHT = 120;

/**
 * Response time per listed entry (oldest left, newest right; failed calls in the destructive colour) and
 * the success rate over the same entries. Hand-written SVG: a chart library would weigh more than the page.
 * The bars are decoration for sighted users; the caption says the same in words.
 */
export function OtpLogsChart({ items }: { items: readonly OtpLogItem[] }) {
  const captionId = useId();
  const stats = otpLogStats(items);
  if (stats.count === 0) return null;

  const chronological = [...items].reverse();
  const top = Math.max(stats.maxMs ?? 0, 1);
  const slot = WIDTH / chronological.length;
  const barWidth = Math.max(1, slot * 0.7);

  return (
    <figure aria-labelledby={captionId} className="grid gap-3">
      <div className="grid gap-1">
        <div className="flex items-baseline justify-between text-xs text-muted-foreground" aria-hidden="true">
          <span>Response time</span>
          <span>max {ms(stats.maxMs ?? 0)}</span>
        </div>
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          preserveAspectRatio="none"
          aria-hidden="true"
          focusable="false"
          className="h-28 w-full overflow-visible rounded-md border bg-muted/30"
        >
          {chronological.map((item, index) => {
            const height = Math.max(2, (item.response_time_ms / top) * (HEIGHT - 8));
            const success = SUCCESS_STATUSES.has(item.status);
            return (
              <rect
                key={item.id}
                x={index * slot + (slot - barWidth) / 2}
                y={HEIGHT - height}
                width={barWidth}
                height={height}
                rx={Math.min(2, barWidth / 2)}
                className={cn(success ? 'fill-chart-2' : 'fill-destructive')}
              >
                <title>{`${item.type} · ${item.status} · ${ms(item.response_time_ms)}`}</title>
              </rect>
            );
          })}
        </svg>
        <div className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-muted-foreground" aria-hidden="true">
          <span className="inline-flex items-center gap-1.5">
            <span className="size-2.5 rounded-sm bg-chart-2" /> sent or verified
          </span>
          <span className="inline-flex items-center gap-1.5">
            <span className="size-2.5 rounded-sm bg-destructive" /> failed
          </span>
          <span className="ml-auto">oldest → newest</span>
        </div>
      </div>

      <div className="grid gap-1" aria-hidden="true">
        <div className="flex items-baseline justify-between text-xs text-muted-foreground">
          <span>Success rate</span>
          <span className="font-medium text-foreground">{stats.successRatePercent}%</span>
        </div>
        <div className="h-2 w-full overflow-hidden rounded-full bg-destructive/25">
          <div className="h-full rounded-full bg-chart-2" style={{ width: `${stats.successRatePercent}%` }} />
        </div>
      </div>

      <figcaption id={captionId} className="text-sm text-muted-foreground">
        {otpLogSummary(stats)}
      </figcaption>
    </figure>
  );
}
