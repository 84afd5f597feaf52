/**
 * Delivery reports: what the provider says happened after it accepted a send. Each report is stored once (the
 * same report posted again is recognised by its key and changes nothing), and moves its send's status forward
 * (deliveryReport.ts, OUTCOME_RANK). A voice report about a code we sent as SMS is flagged: the DLT template or
 * sender is not mapped in the 2Factor account, so 2Factor called the user instead.
 *
 * Listeners (`onRecorded`) hear of every newly stored report, after it is stored: metrics and alerts hang there.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { maskPhone } from '../../common/phone.js';
import type { DeliveryReportsRepository, StoredDeliveryReport } from '../db/deliveryReportsRepository.js';
import { OUTCOME_RANK, type DeliveryReport } from '../providers/deliveryReport.js';

export const VOICE_INSTEAD_OF_SMS_MESSAGE =
  'delivered as a voice call: the DLT template or sender is not mapped in your 2Factor account';

export type RecordedDeliveryReport = StoredDeliveryReport & { report: DeliveryReport; receivedAt: Date };

export interface DeliveryReportsDeps {
  repository: DeliveryReportsRepository;
  now: () => number;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface DeliveryReports {
  /** Stores the report and updates its send's status. Resolves once both are committed. */
  receive(report: DeliveryReport): Promise<RecordedDeliveryReport>;
  /** Called with each report stored for the first time; a listener that throws is logged and ignored. */
  onRecorded(listener: (recorded: RecordedDeliveryReport) => void): void;
}

export function createDeliveryReports(deps: DeliveryReportsDeps): DeliveryReports {
  const listeners: Array<(recorded: RecordedDeliveryReport) => void> = [];

  return {
    async receive(report) {
      const receivedAt = new Date(deps.now());
      const stored = await deps.repository.record({
        report,
        reportKey: reportKeyOf(report),
        outcomeRank: OUTCOME_RANK[report.outcome],
        receivedAt,
      });
      const recorded: RecordedDeliveryReport = { ...stored, report, receivedAt };
      const facts = {
        providerSessionId: report.providerSessionId,
        phone: report.phone === null ? null : maskPhone(report.phone),
        form: report.form,
        outcome: report.outcome,
        reason: report.reason,
        sendStatus: stored.sendStatus,
        sendToReportMs: stored.sendToReportMs,
        matchedSend: stored.matchedSend,
        duplicate: !stored.stored,
      };
      if (stored.voiceInsteadOfSms) deps.logger.warn(facts, `delivery report: ${VOICE_INSTEAD_OF_SMS_MESSAGE}`);
      else deps.logger.info(facts, 'delivery report');
      if (stored.stored) {
        for (const listener of listeners) {
          try {
            listener(recorded);
          } catch (error) {
            deps.logger.error({ err: error }, 'delivery report listener failed');
          }
        }
      }
      return recorded;
    },

    onRecorded(listener) {
      listeners.push(listener);
    },
  };
}

/** SHA-256 of the report's fields, sorted by name: the same fields posted again give the same key. */
function reportKeyOf(report: DeliveryReport): string {
  const fields = Object.entries(report.fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}
