import { describe, expect, it, vi } from 'vitest';
import type {
  DeliveryReportEntry,
  DeliveryReportsRepository,
  StoredDeliveryReport,
} from '../db/deliveryReportsRepository.js';
import type { DeliveryReport } from '../providers/deliveryReport.js';
import { createDeliveryReports, VOICE_INSTEAD_OF_SMS_MESSAGE, type RecordedDeliveryReport } from './deliveryReports.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');

function report(fields: Record<string, string>, overrides: Partial<DeliveryReport> = {}): DeliveryReport {
  return {
    providerSessionId: 's-1',
    phone: '+919876543210',
    form: 'sms_otp',
    channel: 'sms',
    outcome: 'delivered',
    providerStatus: 'DELIVERED',
    reason: null,
    fields,
    ...overrides,
  };
}

/** A repository that stores each report key once, as the real one does, and remembers what it was given. */
function fakeRepository(result: Partial<StoredDeliveryReport> = {}) {
  const keys = new Set<string>();
  const entries: DeliveryReportEntry[] = [];
  const repository: DeliveryReportsRepository = {
    async record(entry) {
      entries.push(entry);
      const stored = !keys.has(entry.reportKey);
      keys.add(entry.reportKey);
      return {
        stored,
        matchedSend: true,
        voiceInsteadOfSms: false,
        sendToReportMs: 1_200,
        sendStatus: entry.report.outcome,
        ...result,
      };
    },
  };
  return { repository, entries };
}

function logger() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

describe('delivery reports', () => {
  it('keys a report by its fields whatever their order, and ranks its outcome', async () => {
    const { repository, entries } = fakeRepository();
    const reports = createDeliveryReports({ repository, now: () => NOW, logger: logger() });
    await reports.receive(report({ mode: 'SMS_OTP', SessionId: 's-1', Status: 'DELIVERED' }));
    await reports.receive(report({ Status: 'DELIVERED', SessionId: 's-1', mode: 'SMS_OTP' }));
    await reports.receive(report({ mode: 'SMS_OTP', SessionId: 's-1', Status: 'FAILED' }, { outcome: 'failed' }));
    expect(entries[0]!.reportKey).toMatch(/^[0-9a-f]{64}$/);
    expect(entries[1]!.reportKey).toBe(entries[0]!.reportKey);
    expect(entries[2]!.reportKey).not.toBe(entries[0]!.reportKey);
    expect(entries.map((entry) => entry.outcomeRank)).toEqual([3, 3, 2]);
    expect(entries[0]!.receivedAt).toEqual(new Date(NOW));
  });

  it('tells listeners of each newly stored report once, never of a duplicate, and survives a listener that throws', async () => {
    const { repository } = fakeRepository();
    const log = logger();
    const reports = createDeliveryReports({ repository, now: () => NOW, logger: log });
    const heard: RecordedDeliveryReport[] = [];
    reports.onRecorded(() => {
      throw new Error('listener bug');
    });
    reports.onRecorded((recorded) => heard.push(recorded));

    const first = await reports.receive(report({ SessionId: 's-1', Status: 'DELIVERED' }));
    await reports.receive(report({ SessionId: 's-1', Status: 'DELIVERED' }));
    expect(heard).toEqual([first]);
    expect(first).toMatchObject({ stored: true, sendToReportMs: 1_200, receivedAt: new Date(NOW) });
    expect(log.error).toHaveBeenCalledTimes(1);
  });

  it('warns of a voice call instead of SMS, with the phone masked', async () => {
    const { repository } = fakeRepository({ voiceInsteadOfSms: true });
    const log = logger();
    const reports = createDeliveryReports({ repository, now: () => NOW, logger: log });
    await reports.receive(report({ mode: 'VOICE_OTP' }, { form: 'voice_otp', channel: 'voice' }));
    expect(log.warn).toHaveBeenCalledWith(
      expect.objectContaining({ phone: '+91******3210', form: 'voice_otp' }),
      `delivery report: ${VOICE_INSTEAD_OF_SMS_MESSAGE}`,
    );
    expect(log.info).not.toHaveBeenCalled();
  });
});
