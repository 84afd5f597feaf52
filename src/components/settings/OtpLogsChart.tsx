import { useId } from 'react';
import type { OtpLogItem } from '../../../common/api/sms.js';
import { checksSummary, deliverySummary, otpLogStats, otpLogTone, type OtpLogTone } from '@/lib/otpLogStats';
import { cn } from '@/lib/utils';

const numberFormat = new Intl.NumberFormat();
const ms = (value: number) => `${numberFormat.format(value)} ms`;

const TONE_FILL: Record<OtpLogTone, string> = {
  ok: 'fill-chart-2',
  person: 'fill-chart-4',
  provider: 'fill-destructive',
};

interface Segment {
  label: string;
  count: number;
  /** A background utility for the bar and the legend dot. */
  colour: string;
}

const WIDTH = 600;
const HEIGHT = 120;

/**
 * Over the listed entries: delivery health (did 2Factor take each send?) apart from how people did with
 * their codes, so a mistyped code never reads as a failure of the service; then the response time of each
 * call. The panels' sentences carry the numbers; the bars are decoration for sighted users.
 */
export function OtpLogsChart({ items }: { items: readonly OtpLogItem[] }) {
  const stats = otpLogStats(items);
  if (stats.count === 0) return null;
  const { delivery, checks } = stats;
  const delivered = deliverySummary(delivery);
  const checked = checksSummary(checks);

  return (
    <div className="grid gap-4">
      <div className="grid gap-4 sm:grid-cols-2">
        {delivered !== null ? (
          <OutcomePanel
            title="Delivery"
            headline={`${delivery.acceptedPercent}% accepted`}
            summary={delivered}
            segments={[
              { label: 'Accepted', count: delivery.accepted, colour: 'bg-chart-2' },
              { label: 'Refused', count: delivery.refused, colour: 'bg-destructive' },
              { label: 'Unavailable', count: delivery.unavailable, colour: 'bg-destructive/45' },
            ]}
          />
        ) : null}
        {checked !== null ? (
          <OutcomePanel
            title="Code checks"
            headline={`${checks.verified} of ${checks.checks} verified`}
            summary={checked}
            segments={[
              { label: 'Verified', count: checks.verified, colour: 'bg-chart-2' },
              { label: 'Wrong code', count: checks.wrongCode, colour: 'bg-chart-4' },
              { label: 'Expired', count: checks.expired, colour: 'bg-chart-5' },
              { label: 'No longer valid', count: checks.noLongerValid, colour: 'bg-muted-foreground/50' },
              { label: '2Factor failed', count: checks.providerFailed, colour: 'bg-destructive' },
            ]}
          />
        ) : null}
      </div>
      <ResponseTimeBars items={items} medianMs={stats.medianMs ?? 0} maxMs={stats.maxMs ?? 0} />
    </div>
  );
}

function OutcomePanel({
  title,
  headline,
  summary,
  segments,
}: {
  title: string;
  headline: string;
  summary: string;
  segments: Segment[];
}) {
  const titleId = useId();
  const total = segments.reduce((sum, segment) => sum + segment.count, 0);
  const shown = segments.filter((segment) => segment.count > 0);
  return (
    <section aria-labelledby={titleId} className="grid content-start gap-2 rounded-lg border p-3">
      <div className="flex flex-wrap items-baseline justify-between gap-x-3">
        <h3 id={titleId} className="text-sm font-medium">
          {title}
        </h3>
        <span className="text-sm font-semibold tabular-nums" aria-hidden="true">
          {headline}
        </span>
      </div>
      <div className="flex h-2 w-full gap-px overflow-hidden rounded-full bg-muted" aria-hidden="true">
        {shown.map((segment) => (
          <div
            key={segment.label}
            className={cn('h-full', segment.colour)}
            style={{ width: `${(segment.count / total) * 100}%` }}
          />
        ))}
      </div>
      <ul className="flex flex-wrap gap-x-3 gap-y-1 text-xs text-muted-foreground" aria-hidden="true">
        {shown.map((segment) => (
          <li key={segment.label} className="inline-flex items-center gap-1.5">
            <span className={cn('size-2.5 rounded-sm', segment.colour)} />
            {segment.label} <span className="font-medium text-foreground tabular-nums">{segment.count}</span>
          </li>
        ))}
      </ul>
      <p className="sr-only">{summary}</p>
    </section>
  );
}

/** Response time per listed entry, oldest left; coloured by whose outcome it records. Hand-written SVG: a chart library would weigh more than the page. */
function ResponseTimeBars({
  items,
  medianMs,
  maxMs,
}: {
  items: readonly OtpLogItem[];
  medianMs: number;
  maxMs: number;
}) {
  const captionId = useId();
  const chronological = [...items].reverse();
  const top = Math.max(maxMs, 1);
  const slot = WIDTH / chronological.length;
  const barWidth = Math.max(1, slot * 0.7);
  const entries = `${items.length} listed ${items.length === 1 ? 'entry' : 'entries'}`;

  return (
    <figure aria-labelledby={captionId} className="grid gap-1">
      <div className="flex items-baseline justify-between text-xs text-muted-foreground" aria-hidden="true">
        <span>Response time</span>
        <span>max {ms(maxMs)}</span>
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
          return (
            <rect
              key={item.id}
              x={index * slot + (slot - barWidth) / 2}
              y={HEIGHT - height}
              width={barWidth}
              height={height}
              rx={Math.min(2, barWidth / 2)}
              className={TONE_FILL[otpLogTone(item)]}
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
          <span className="size-2.5 rounded-sm bg-chart-4" /> wrong, expired or used code
        </span>
        <span className="inline-flex items-center gap-1.5">
          <span className="size-2.5 rounded-sm bg-destructive" /> 2Factor refused or unavailable
        </span>
        <span className="ml-auto">oldest → newest</span>
      </div>
      <figcaption id={captionId} className="text-sm text-muted-foreground">
        {`Response time of the ${entries}: median ${ms(medianMs)}, slowest ${ms(maxMs)}.`}
      </figcaption>
    </figure>
  );
}
