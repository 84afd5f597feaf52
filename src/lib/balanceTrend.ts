/**
 * What the balance card says about a balance's history: how it moved over the last day and, while it falls,
 * about how long it lasts at that pace. Pure functions over the hourly samples the API returns.
 */
import type { BalancePoint } from '../../common/api/sms.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface BalanceTrend {
  /** Latest minus the earliest sample of the last 24 h (negative: spent). */
  change: number;
  /** How many hours that change covers (less than 24 while the history is young). */
  hours: number;
  /** At the pace of that change, days until the balance reaches 0; undefined unless it falls. */
  daysLeft: number | undefined;
}

/** Undefined with fewer than two samples an hour or more apart. */
export function balanceTrend(history: readonly BalancePoint[]): BalanceTrend | undefined {
  const latest = history.at(-1);
  if (!latest) return undefined;
  const latestMs = Date.parse(latest.at);
  const baseline = history.find((point) => Date.parse(point.at) >= latestMs - DAY_MS);
  if (!baseline) return undefined;
  const hours = (latestMs - Date.parse(baseline.at)) / HOUR_MS;
  if (hours < 1) return undefined;
  const change = latest.balance - baseline.balance;
  const spentPerDay = (-change / hours) * 24;
  return { change, hours: Math.round(hours), daysLeft: spentPerDay > 0 ? latest.balance / spentPerDay : undefined };
}

/** `about 12 days left`, `less than a day left`. */
export function describeDaysLeft(daysLeft: number): string {
  if (daysLeft < 1) return 'less than a day left at this pace';
  const days = Math.round(daysLeft);
  return `about ${days} ${days === 1 ? 'day' : 'days'} left at this pace`;
}
