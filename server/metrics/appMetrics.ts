/**
 * The Prometheus metrics (prom-client), one registry per app so tests can build many apps in one process.
 * Labels take values from small fixed sets only (outcomes, error codes, limit names, operations): never a
 * phone number, a user id or a session id, so the number of series stays bounded whatever the traffic.
 *
 * Counters and histograms are recorded where things happen (instrumentation.ts, the provider guard, the limits);
 * gauges read the current state when Prometheus scrapes (`watchState`).
 *
 * Under WEB_CONCURRENCY > 1 the workers' registries are added up (metrics/clusterMetrics.ts): counters and
 * histograms are summed; each gauge names its rule (`aggregator`), since a value read from shared state is the same
 * in every worker and must not be counted once per worker.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DELIVERY_OUTCOMES, type DeliveryOutcome } from '../../common/api/delivery.js';
import type { BalanceAccount } from '../../common/api/sms.js';

/** 2Factor answers in a few hundred ms; the top buckets reach past PROVIDER_TIMEOUT_MS's default (5 s). */
const PROVIDER_DURATION_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** A slot wait is capped at 250 ms (MAX_PROVIDER_SLOT_WAIT_MS), so the buckets stop there. */
const CEILING_WAIT_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

export type ProviderOperation = 'send_otp' | 'send_given_otp' | 'verify_otp' | 'send_template' | 'balance';

export interface MetricsState {
  /** Today's SMS against the budget. */
  budget(): Promise<{ sentToday: number; dailyBudget: number }>;
  /** The latest polled balance of each account. */
  balances(): Promise<Array<{ account: BalanceAccount; balance: number }>>;
  /** otp_logs rows held in memory while the database is unreachable. */
  heldLogRows(): number;
  circuitOpen(): boolean;
}

export type AppMetrics = ReturnType<typeof createAppMetrics>;

export function createAppMetrics() {
  const registry = new Registry();
  const registers = [registry];

  const metrics = {
    registry,
    otpSends: new Counter({
      name: 'otp_sends_total',
      help: 'OTP send requests answered, by purpose (login, test) and outcome (sent, test_number, or the error code answered).',
      labelNames: ['purpose', 'outcome'] as const,
      registers,
    }),
    otpVerifies: new Counter({
      name: 'otp_verifies_total',
      help: 'OTP checks answered, by outcome (verified, or the error code answered, e.g. otp_mismatch).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    providerDuration: new Histogram({
      name: 'sms_provider_request_duration_seconds',
      help: 'Calls that reached 2Factor: time to its answer, by operation and outcome (answered, rejected, unavailable).',
      labelNames: ['operation', 'outcome'] as const,
      buckets: PROVIDER_DURATION_BUCKETS_S,
      registers,
    }),
    ceilingWait: new Histogram({
      name: 'sms_provider_ceiling_wait_seconds',
      help: 'Time a call to 2Factor waited for a slot under PROVIDER_MAX_RPS before it was made.',
      buckets: CEILING_WAIT_BUCKETS_S,
      registers,
    }),
    ceilingRefusals: new Counter({
      name: 'sms_provider_ceiling_refusals_total',
      help: 'Calls to 2Factor refused (503 provider_busy) because no slot under PROVIDER_MAX_RPS came in time.',
      registers,
    }),
    limitRefusals: new Counter({
      name: 'sms_limit_refusals_total',
      help: 'Sends and checks refused by a limit, by limit name (as in the RateLimit header).',
      labelNames: ['limit'] as const,
      registers,
    }),
    deliveryReports: new Counter({
      name: 'sms_delivery_reports_total',
      help: 'Delivery reports received from 2Factor (each stored once), by outcome: delivered, failed, rejected, pending, unknown.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    voiceInsteadOfSms: new Counter({
      name: 'sms_voice_instead_of_sms_total',
      help: 'Codes sent as SMS that 2Factor reported delivered by a voice call (DLT template or sender not mapped).',
      registers,
    }),
  };
  // Known label values start at 0, so rates and alerts work before the first event.
  for (const outcome of DELIVERY_OUTCOMES) metrics.deliveryReports.inc({ outcome }, 0);
  metrics.voiceInsteadOfSms.inc(0);
  metrics.otpSends.inc({ purpose: 'login', outcome: 'sent' }, 0);
  metrics.otpVerifies.inc({ outcome: 'verified' }, 0);
  metrics.ceilingRefusals.inc(0);

  return {
    ...metrics,
    /** One delivery report stored (a repeat of one already stored is not counted). */
    deliveryReported(report: { outcome: DeliveryOutcome; voiceInsteadOfSms: boolean }): void {
      metrics.deliveryReports.inc({ outcome: report.outcome });
      if (report.voiceInsteadOfSms) metrics.voiceInsteadOfSms.inc();
    },
    /** Adds the gauges read at scrape time. Sources that fail leave their gauge at its last value. */
    watchState(state: MetricsState, onError: (error: unknown) => void): void {
      // The two budget gauges are collected together (prom-client asks every metric at once): one read serves both.
      let budgetRead: ReturnType<MetricsState['budget']> | undefined;
      const budget = () => (budgetRead ??= state.budget().finally(() => (budgetRead = undefined)));
      new Gauge({
        name: 'sms_daily_budget_used',
        help: 'SMS booked today (IST day), all instances together.',
        // Shared state: every worker reads the same count, so the highest is it, and a worker whose Redis read
        // failed (left at its last, lower value) does not hide it. At IST midnight the count restarts at 0 in every
        // worker's next read; a worker that failed that read may show yesterday's figure until it reads again.
        aggregator: 'max',
        registers,
        async collect() {
          await budget().then((usage) => this.set(usage.sentToday), onError);
        },
      });
      new Gauge({
        name: 'sms_daily_budget',
        help: 'SMS_DAILY_BUDGET: SMS allowed per IST day.',
        aggregator: 'max', // the same setting in every worker; a worker that could not read it yet shows 0
        registers,
        async collect() {
          await budget().then((usage) => this.set(usage.dailyBudget), onError);
        },
      });
      new Gauge({
        name: 'sms_balance',
        help: 'The latest 2Factor balance polled, by account (otp_sms, transactional_sms).',
        labelNames: ['account'] as const,
        // Shared state: every worker reads the same latest row and they agree. A worker whose read failed keeps an
        // older sample, usually higher (the balance falls as SMS go out): the lowest never hides a low balance from
        // an alert. A worker that never read one has no sample for the account and takes no part.
        aggregator: 'min',
        registers,
        async collect() {
          await state.balances().then((balances) => {
            for (const { account, balance } of balances) this.set({ account }, balance);
          }, onError);
        },
      });
      new Gauge({
        name: 'otp_log_rows_held',
        help: 'otp_logs rows held in memory until the database is reachable again.',
        aggregator: 'sum', // each worker holds its own rows
        registers,
        collect() {
          this.set(state.heldLogRows());
        },
      });
      new Gauge({
        name: 'sms_provider_circuit_open',
        help: '1 while calls to 2Factor are paused after repeated failures (circuit open or half-open), else 0.',
        aggregator: 'max', // each worker has its own breaker: 1 while any of them pauses
        registers,
        collect() {
          this.set(state.circuitOpen() ? 1 : 0);
        },
      });
    },
  };
}
