/**
 * The SMS balance: 2Factor's two balances (OTP SMS and transactional SMS) polled every `intervalMs` by one
 * instance at a time, kept with their history, and read for Settings → SMS & OTP.
 *
 * Every instance calls `pollIfDue()` often (each `tickMs`); the claim in scheduled_job_runs lets one of them poll
 * per interval (db/scheduledJobsRepository.ts: advisory lock, then the last start). A poll asks both balances
 * through the guarded provider (circuit breaker and request ceiling, like every call), stores what came back,
 * hands it to `onPolled` (the low-balance alert) and drops samples older than `keepDays`. With no provider
 * configured there is nothing to poll and nothing is claimed, so a poll follows soon after a key is saved.
 */
import type { Logger } from 'pino';
import {
  balanceAccountOf,
  BALANCE_ACCOUNTS,
  type BalanceAccount,
  type SmsBalanceResponse,
} from '../../common/api/sms.js';
import type { ScheduledJobsRepository } from '../db/scheduledJobsRepository.js';
import type { BalanceSample, SmsBalanceRepository } from '../db/smsBalanceRepository.js';
import { ProviderNotConfiguredError, type ProviderResolver } from '../providers/providerResolver.js';
import type { EffectiveSmsSettings, SmsSettings } from './smsSettings.js';
import type { SmsOtpProvider } from '../providers/smsProvider.js';

export const BALANCE_POLL_JOB = 'sms_balance_poll';
export const BALANCE_POLL_INTERVAL_MS = 10 * 60_000;
/** How often each instance asks whether a poll is due. */
export const BALANCE_POLL_TICK_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The trend the admin page draws. */
const HISTORY_SHOWN_MS = 7 * DAY_MS;
/** Balance samples are kept this long, then purged. */
const DEFAULT_KEEP_DAYS = 90;

export interface PolledBalances {
  samples: BalanceSample[];
  /** The account the current mode spends. */
  inUse: BalanceAccount;
}

export interface SmsBalanceDeps {
  providers: ProviderResolver<EffectiveSmsSettings>;
  settings: Pick<SmsSettings, 'current'>;
  samples: SmsBalanceRepository;
  jobs: ScheduledJobsRepository;
  /** SMS_BALANCE_ALERT_BELOW, shown on the page. */
  alertBelow: number;
  intervalMs?: number;
  tickMs?: number;
  keepDays?: number;
  onPolled?: (polled: PolledBalances) => Promise<void>;
  now: () => number;
  logger: Logger;
}

export type SmsBalance = ReturnType<typeof createSmsBalance>;

export function createSmsBalance(deps: SmsBalanceDeps) {
  const intervalMs = deps.intervalMs ?? BALANCE_POLL_INTERVAL_MS;
  // Ticks drift by milliseconds: without this slack a tick landing just before the interval ends would wait a whole tick more.
  const minIntervalMs = intervalMs - (deps.tickMs ?? BALANCE_POLL_TICK_MS) / 2;
  const keepMs = (deps.keepDays ?? DEFAULT_KEEP_DAYS) * DAY_MS;

  async function fetchBalance(provider: SmsOtpProvider, account: BalanceAccount, inUse: BalanceAccount) {
    try {
      const { value } = await provider.getBalance(account);
      const balance = Number(value.balance);
      if (value.balance.trim() === '' || !Number.isFinite(balance)) {
        deps.logger.warn({ account }, '2Factor answered a balance that is not a number; not stored');
        return undefined;
      }
      return balance;
    } catch (error) {
      // Accounts without transactional SMS may be refused that balance: only the account in use is worth a warning.
      const level = account === inUse ? 'warn' : 'debug';
      deps.logger[level]({ err: error, account }, 'SMS balance could not be read; the next poll tries again');
      return undefined;
    }
  }

  return {
    /** Polls when it is this instance's turn; the samples stored, or undefined when it was not (or none came). */
    async pollIfDue(): Promise<BalanceSample[] | undefined> {
      let resolved;
      try {
        resolved = await deps.providers.resolve();
      } catch (error) {
        if (error instanceof ProviderNotConfiguredError) return undefined;
        throw error;
      }
      const nowMs = deps.now();
      if (!(await deps.jobs.claimRun(BALANCE_POLL_JOB, new Date(nowMs), minIntervalMs))) return undefined;

      const inUse = balanceAccountOf(resolved.settings.mode);
      const balances = await Promise.all(
        BALANCE_ACCOUNTS.map((account) => fetchBalance(resolved.provider, account, inUse)),
      );
      const fetchedAt = new Date(deps.now());
      const samples = BALANCE_ACCOUNTS.flatMap((account, index) => {
        const balance = balances[index];
        return balance === undefined ? [] : [{ account, balance, fetchedAt }];
      });
      await deps.samples.record(samples);
      await deps.samples.prune(new Date(nowMs - keepMs));
      if (samples.length > 0) await deps.onPolled?.({ samples, inUse });
      return samples;
    },

    /** The latest balances and their hourly trend over the last 7 days, for the admin page. */
    async overview(): Promise<SmsBalanceResponse> {
      const [settings, latest, hourly] = await Promise.all([
        deps.settings.current(),
        deps.samples.latest(),
        deps.samples.hourly(new Date(deps.now() - HISTORY_SHOWN_MS)),
      ]);
      return {
        in_use: balanceAccountOf(settings.mode),
        alert_below: deps.alertBelow,
        poll_interval_s: Math.round(intervalMs / 1000),
        accounts: BALANCE_ACCOUNTS.map((account) => {
          const last = latest.find((sample) => sample.account === account);
          return {
            account,
            balance: last?.balance ?? null,
            fetched_at: last?.fetchedAt.toISOString() ?? null,
            history: hourly
              .filter((sample) => sample.account === account)
              .map((sample) => ({ at: sample.fetchedAt.toISOString(), balance: sample.balance })),
          };
        }),
      };
    },
  };
}
