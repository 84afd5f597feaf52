/**
 * What raises alerts. The periodic checks: every instance runs `tick()` (every 15 s from server/index.ts); each
 * check looks at one condition and returns the alert to raise, if any (budget reached, circuit open, delivery
 * failures). The low
 * balance is checked after each balance poll instead (lowBalanceAlerter), by the instance that polled. Raising dedupes across instances (alerts.ts), so a
 * condition seen by every instance still sends one message per hour.
 *
 * `add` takes more checks after start. A voice-instead-of-SMS report raises its alert as it arrives (composeApp.ts).
 */
import type { Logger } from 'pino';
import type { SmsUsage } from '../sms/sendLimits.js';
import type { ProviderGuard } from '../providers/providerGuard.js';
import type { PolledBalances } from '../sms/smsBalance.js';
import type { DeliveryFunnelRepository } from '../db/deliveryFunnelRepository.js';
import {
  balanceLowAlert,
  budgetReachedAlert,
  circuitOpenAlert,
  deliveryFailureShareAlert,
  type Alert,
} from './alertKinds.js';
import type { Alerts } from './alerts.js';

export const ALERT_TICK_MS = 15_000;
/** The delivery check reads an hour of sends and reports from the database: once a minute is enough. */
const DELIVERY_CHECK_EVERY_MS = 60_000;
const HOUR_MS = 3_600_000;
/** The circuit alert waits this long: a short outage heals by itself and pages nobody. */
export const CIRCUIT_OPEN_ALERT_AFTER_MS = 60_000;

export type AlertCheck = () => Promise<Alert | undefined>;

export interface AlertWatch {
  add(check: AlertCheck): void;
  tick(): Promise<void>;
}

export function createAlertWatch(deps: {
  alerts: Pick<Alerts, 'raise'>;
  checks: AlertCheck[];
  logger: Logger;
}): AlertWatch {
  const checks = [...deps.checks];
  // A check fails at every tick while what it reads is down (Redis, the database): say so once, and when it is back.
  const failing = new Set<AlertCheck>();
  return {
    add: (check) => void checks.push(check),
    async tick() {
      for (const check of checks) {
        try {
          const alert = await check();
          if (failing.delete(check)) deps.logger.info('an alert check works again');
          if (alert) await deps.alerts.raise(alert);
        } catch (error) {
          if (failing.has(check)) continue;
          failing.add(check);
          deps.logger.warn({ err: error }, 'an alert check failed; it runs again at each tick');
        }
      }
    },
  };
}

/** Today's SMS reached SMS_DAILY_BUDGET. */
export function budgetReachedCheck(usage: () => Promise<SmsUsage>): AlertCheck {
  return async () => {
    const today = await usage();
    return today.sentToday >= today.dailyBudget ? budgetReachedAlert(today) : undefined;
  };
}

/** This instance's circuit to 2Factor has stayed open (or half-open) for over a minute. */
export function circuitOpenCheck(guard: Pick<ProviderGuard, 'openSince'>, now: () => number): AlertCheck {
  // eslint-disable-next-line @typescript-eslint/require-await -- AlertCheck is async: a throw becomes a rejection the watch reports
  return async () => {
    const since = guard.openSince();
    if (since === undefined) return undefined;
    const openForMs = now() - since;
    return openForMs > CIRCUIT_OPEN_ALERT_AFTER_MS ? circuitOpenAlert({ openForMs }) : undefined;
  };
}

/**
 * Over 20 % of the last hour's OTP sends (at least 20) were reported failed or rejected. Runs at most once a
 * minute on each instance; between runs it raises nothing.
 */
export function deliveryFailureShareCheck(
  funnel: Pick<DeliveryFunnelRepository, 'figures'>,
  now: () => number,
): AlertCheck {
  let lastRunMs = -Infinity;
  return async () => {
    const nowMs = now();
    if (nowMs - lastRunMs < DELIVERY_CHECK_EVERY_MS) return undefined;
    lastRunMs = nowMs;
    const { total } = await funnel.figures({
      from: new Date(nowMs - HOUR_MS),
      to: new Date(nowMs),
      voiceSince: new Date(nowMs),
    });
    return deliveryFailureShareAlert({ sent: total.accepted, failed: total.failed });
  };
}

/** After each balance poll: the balance the current mode spends is under SMS_BALANCE_ALERT_BELOW (0: never). */
export function lowBalanceAlerter(
  alerts: Pick<Alerts, 'raise'>,
  threshold: number,
): (polled: PolledBalances) => Promise<void> {
  return async ({ samples, inUse }) => {
    const sample = samples.find((candidate) => candidate.account === inUse);
    if (threshold > 0 && sample && sample.balance < threshold) {
      await alerts.raise(balanceLowAlert({ account: inUse, balance: sample.balance, threshold }));
    }
  };
}
