import { useId } from 'react';
import type { DeliveryFunnelResponse } from '../../../common/api/delivery.js';
import { formatDuration } from '@/lib/formatDuration';
import { cn } from '@/lib/utils';

const count = new Intl.NumberFormat('en-IN');
const percent = new Intl.NumberFormat('en-IN', { style: 'percent', maximumFractionDigits: 0 });

/** Plain words for the failure reasons 2Factor reports most; the code itself is shown beside them. */
const REASON_WORDS: Readonly<Record<string, string>> = {
  FAILED: 'Not delivered',
  REJECTED: 'Rejected by the operator',
  EC_ABSENT_SUBSCRIBER: 'Phone off or out of coverage',
};

/**
 * The funnel's numbers: the three stages (accepted → delivered → verified) as labelled counts with bars, what is
 * not delivered, the delivery time and why sends failed. Every figure is text; the bars only repeat it.
 */
export function DeliveryFunnelFigures({ funnel }: { funnel: DeliveryFunnelResponse }) {
  const stages = [
    { label: 'Accepted by 2Factor', value: funnel.accepted, colour: 'bg-chart-3' },
    { label: 'Delivered', value: funnel.delivered, colour: 'bg-chart-2' },
    { label: 'Verified', value: funnel.verified, colour: 'bg-primary' },
  ];
  const shareOfAccepted = (value: number) => (funnel.accepted > 0 ? value / funnel.accepted : 0);

  return (
    <div className="grid gap-6">
      <ol aria-label="Funnel" className="grid gap-3">
        {stages.map((stage, index) => (
          <li key={stage.label} className="grid gap-1.5">
            <div className="flex flex-wrap items-baseline justify-between gap-x-3 text-sm">
              <span className="font-medium">{stage.label}</span>
              <span className="tabular-nums">
                <span className="text-lg font-semibold">{count.format(stage.value)}</span>
                {index > 0 ? (
                  <span className="text-muted-foreground">
                    {' '}
                    · {percent.format(shareOfAccepted(stage.value))}
                    <span className="sr-only"> of accepted</span>
                  </span>
                ) : null}
              </span>
            </div>
            <div className="h-2.5 overflow-hidden rounded-full bg-muted" aria-hidden="true">
              <div
                className={cn('h-full rounded-full', stage.colour)}
                style={{ width: `${shareOfAccepted(stage.value) * 100}%` }}
              />
            </div>
          </li>
        ))}
      </ol>

      <dl className="grid grid-cols-3 gap-3 text-sm">
        <Figure term="Failed" value={count.format(funnel.failed)} emphasis={funnel.failed > 0} />
        <Figure term="Awaiting a report" value={count.format(funnel.awaiting_report)} />
        <Figure
          term="As a voice call"
          value={count.format(funnel.delivered_as_voice)}
          emphasis={funnel.delivered_as_voice > 0}
        />
      </dl>

      <div className="grid gap-6 sm:grid-cols-2">
        <DeliveryTime funnel={funnel} />
        <FailureReasons funnel={funnel} />
      </div>
    </div>
  );
}

function Figure({ term, value, emphasis = false }: { term: string; value: string; emphasis?: boolean }) {
  return (
    <div className="grid content-start gap-0.5 rounded-lg border p-3">
      <dt className="text-xs text-muted-foreground">{term}</dt>
      <dd className={cn('text-lg font-semibold tabular-nums', emphasis && 'text-destructive')}>{value}</dd>
    </div>
  );
}

function DeliveryTime({ funnel }: { funnel: DeliveryFunnelResponse }) {
  const titleId = useId();
  const { p50, p95 } = funnel.delivery_time_ms;
  return (
    <section aria-labelledby={titleId} className="grid content-start gap-2">
      <h3 id={titleId} className="text-sm font-medium">
        Time to delivery
      </h3>
      {p50 === null || p95 === null ? (
        <p className="text-sm text-muted-foreground">No delivery reported yet.</p>
      ) : (
        <dl className="grid grid-cols-2 gap-3 text-sm">
          <Figure term="Median (p50)" value={formatDuration(p50)} />
          <Figure term="95th percentile (p95)" value={formatDuration(p95)} />
        </dl>
      )}
    </section>
  );
}

function FailureReasons({ funnel }: { funnel: DeliveryFunnelResponse }) {
  const titleId = useId();
  return (
    <section aria-labelledby={titleId} className="grid content-start gap-2">
      <h3 id={titleId} className="text-sm font-medium">
        Why sends failed
      </h3>
      {funnel.failure_reasons.length === 0 ? (
        <p className="text-sm text-muted-foreground">No failure reported.</p>
      ) : (
        <ul aria-labelledby={titleId} className="grid gap-2">
          {funnel.failure_reasons.map((failure) => (
            <li key={failure.reason} className="grid gap-1 text-sm">
              <div className="flex flex-wrap items-baseline justify-between gap-x-3">
                <span className="min-w-0 break-words">
                  {REASON_WORDS[failure.reason] ?? failure.reason}
                  {REASON_WORDS[failure.reason] ? (
                    <code className="ml-1.5 text-xs text-muted-foreground">{failure.reason}</code>
                  ) : null}
                </span>
                <span className="tabular-nums">
                  {count.format(failure.count)}{' '}
                  <span className="text-muted-foreground">· {percent.format(failure.share)}</span>
                  <span className="sr-only"> of failures</span>
                </span>
              </div>
              <div className="h-1.5 overflow-hidden rounded-full bg-muted" aria-hidden="true">
                <div className="h-full rounded-full bg-destructive" style={{ width: `${failure.share * 100}%` }} />
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
