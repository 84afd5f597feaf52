import { useId } from 'react';
import type { FunnelHour } from '../../../common/api/delivery.js';
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';

const count = new Intl.NumberFormat('en-IN');
const WIDTH = 480;
const HEIGHT = 120;
const SLOT = WIDTH / 24;
const BAR = SLOT * 0.7;

const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

/**
 * Sends by hour of the day (IST) over the period: a stacked bar per hour (delivered, failed, still awaiting a
 * report) for the eye, and the same numbers in a table (hours with sends only) for everyone. Hand-written SVG, like
 * the logs chart: a chart library would weigh more than the page.
 */
export function DeliveryByHour({ hours, periodText }: { hours: readonly FunnelHour[]; periodText: string }) {
  const captionId = useId();
  const busiest = hours.reduce((top, hour) => (hour.accepted > top.accepted ? hour : top), hours[0]!);
  const top = Math.max(busiest.accepted, 1);
  const withSends = hours.filter((hour) => hour.accepted > 0);
  const scale = (value: number) => (value / top) * (HEIGHT - 6);

  return (
    <div className="grid gap-3">
      <figure aria-labelledby={captionId} className="grid gap-1">
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          preserveAspectRatio="none"
          aria-hidden="true"
          focusable="false"
          className="h-28 w-full overflow-visible rounded-md border bg-muted/30"
        >
          {hours.map((hour) => {
            const awaiting = Math.max(0, hour.accepted - hour.delivered - hour.failed);
            const x = hour.hour * SLOT + (SLOT - BAR) / 2;
            let y = HEIGHT;
            return (
              <g key={hour.hour}>
                {(
                  [
                    ['fill-chart-2', hour.delivered],
                    ['fill-destructive', hour.failed],
                    ['fill-muted-foreground/40', awaiting],
                  ] as const
                ).map(([fill, value]) => {
                  if (value === 0) return null;
                  const height = Math.max(2, scale(value));
                  y -= height;
                  return <rect key={fill} x={x} y={y} width={BAR} height={height} className={fill} />;
                })}
              </g>
            );
          })}
        </svg>
        <div className="flex justify-between text-xs text-muted-foreground tabular-nums" aria-hidden="true">
          {[0, 6, 12, 18].map((hour) => (
            <span key={hour}>{hourLabel(hour)}</span>
          ))}
          <span>24:00</span>
        </div>
        <div className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-muted-foreground" aria-hidden="true">
          <span className="inline-flex items-center gap-1.5">
            <span className="size-2.5 rounded-sm bg-chart-2" /> delivered
          </span>
          <span className="inline-flex items-center gap-1.5">
            <span className="size-2.5 rounded-sm bg-destructive" /> failed
          </span>
          <span className="inline-flex items-center gap-1.5">
            <span className="size-2.5 rounded-sm bg-muted-foreground/40" /> awaiting a report
          </span>
        </div>
        <figcaption id={captionId} className="text-sm text-muted-foreground">
          {`Over the ${periodText}; the busiest hour began at ${hourLabel(busiest.hour)} IST, with ${count.format(busiest.accepted)} ${busiest.accepted === 1 ? 'send' : 'sends'}. The table below lists every hour with sends.`}
        </figcaption>
      </figure>

      <Table className="caption-top text-xs sm:text-sm [&_td]:px-1.5 sm:[&_td]:px-2 [&_th]:px-1.5 sm:[&_th]:px-2">
        <TableCaption className="mt-0 mb-1 text-left">Sends by hour of the day (IST)</TableCaption>
        <TableHeader>
          <TableRow>
            <TableHead scope="col">Hour</TableHead>
            <TableHead scope="col" className="text-right">
              Accepted
            </TableHead>
            <TableHead scope="col" className="text-right">
              Delivered
            </TableHead>
            <TableHead scope="col" className="text-right">
              Failed
            </TableHead>
            <TableHead scope="col" className="text-right">
              Verified
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {withSends.map((hour) => (
            <TableRow key={hour.hour}>
              <TableHead scope="row" className="font-normal tabular-nums">
                {hourLabel(hour.hour)}
              </TableHead>
              <TableCell className="text-right tabular-nums">{count.format(hour.accepted)}</TableCell>
              <TableCell className="text-right tabular-nums">{count.format(hour.delivered)}</TableCell>
              <TableCell className="text-right tabular-nums">{count.format(hour.failed)}</TableCell>
              <TableCell className="text-right tabular-nums">{count.format(hour.verified)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
