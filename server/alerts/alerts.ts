/**
 * Raises alerts: each kind at most once per `minIntervalMs` (an hour) across every instance, sent by the one
 * instance that claims it (db/alertDeliveriesRepository.ts), to ALERT_WEBHOOK_URL as Slack-compatible JSON
 * `{"text": …}`, with retries (webhookPoster.ts). Every alert is also logged (warn) by that instance, so
 * deployments without a webhook see them in the server log, once an hour too.
 *
 * A delivery that fails after every retry gives its claim back: the next check raising the same alert tries
 * again. Texts are scrubbed before they leave: registered secrets (API key, tokens) become [REDACTED] and
 * anything shaped like an Indian mobile number is masked. `raise` never throws: alerting must not break the
 * job that noticed the problem.
 */
import type { Logger } from 'pino';
import { maskPhone } from '../../common/phone.js';
import type { AlertDeliveriesRepository } from '../db/alertDeliveriesRepository.js';
import type { SecretRegistry } from '../logger.js';
import type { Alert } from './alertKinds.js';
import { createWebhookPoster, type WebhookPoster } from './webhookPoster.js';

export const ALERT_INTERVAL_MS = 3_600_000;
/** A claim older than this belongs to an instance that died while sending; another may take it. */
const CLAIM_TIMEOUT_MS = 2 * 60_000;
const TEXT_PREFIX = 'SMS OTP alert: ';

export type RaiseOutcome = 'sent' | 'logged' | 'suppressed' | 'failed';

export interface AlertsDeps {
  webhookUrl: string | undefined;
  deliveries: AlertDeliveriesRepository;
  secrets: SecretRegistry;
  logger: Logger;
  now: () => number;
  post?: WebhookPoster;
  minIntervalMs?: number;
}

export interface Alerts {
  raise(alert: Alert): Promise<RaiseOutcome>;
}

/** `+919876543210`, `919876543210`, `9876543210` or `98765 43210` anywhere in a text. */
const PHONE_LIKE = /(?<!\d)(?:\+?91[\s-]?)?[6-9]\d{4}[\s-]?\d{5}(?!\d)/g;

/** What may leave the server: secrets redacted, phone-like numbers masked as `+91******3210`. */
export function scrubAlertText(text: string, secrets: SecretRegistry): string {
  return secrets.scrub(text).replace(PHONE_LIKE, (phone) => maskPhone(`+91${phone.replace(/\D/g, '').slice(-10)}`));
}

export function createAlerts(deps: AlertsDeps): Alerts {
  const post = deps.post ?? createWebhookPoster();
  const minIntervalMs = deps.minIntervalMs ?? ALERT_INTERVAL_MS;

  return {
    async raise(alert) {
      const text = TEXT_PREFIX + scrubAlertText(alert.text, deps.secrets);
      try {
        const claimed = await deps.deliveries.claim(alert.kind, new Date(deps.now()), {
          minIntervalMs,
          claimTimeoutMs: CLAIM_TIMEOUT_MS,
        });
        if (!claimed) return 'suppressed';
        deps.logger.warn({ alert: alert.kind }, text);
        if (!deps.webhookUrl) {
          await deps.deliveries.markSent(alert.kind, new Date(deps.now()));
          return 'logged';
        }
        try {
          const { attempts } = await post(deps.webhookUrl, { text });
          await deps.deliveries.markSent(alert.kind, new Date(deps.now()));
          deps.logger.info({ alert: alert.kind, attempts }, 'alert delivered to ALERT_WEBHOOK_URL');
          return 'sent';
        } catch (error) {
          await deps.deliveries.release(alert.kind);
          deps.logger.error(
            { err: error, alert: alert.kind },
            'alert could not be delivered to ALERT_WEBHOOK_URL; it is tried again at the next check',
          );
          return 'failed';
        }
      } catch (error) {
        deps.logger.warn(
          { err: error, alert: alert.kind },
          'alert could not be claimed or recorded; it is tried again at the next check',
        );
        return 'failed';
      }
    },
  };
}
