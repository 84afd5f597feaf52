import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { SecretRegistry } from '../logger.js';
import {
  ALERT_KINDS,
  balanceLowAlert,
  budgetReachedAlert,
  circuitOpenAlert,
  deliveryFailureShareAlert,
  voiceInsteadOfSmsAlert,
} from './alertKinds.js';
import { scrubAlertText } from './alerts.js';
import { createAlertWatch } from './alertWatch.js';

describe('alert texts', () => {
  it('alert on delivery failures over 20 % of at least 20 sends in the hour, and not otherwise', () => {
    expect(deliveryFailureShareAlert({ sent: 19, failed: 19 })).toBeUndefined();
    expect(deliveryFailureShareAlert({ sent: 20, failed: 4 })).toBeUndefined();
    expect(deliveryFailureShareAlert({ sent: 20, failed: 5 })).toEqual({
      kind: 'delivery_failure_share',
      text: "SMS delivery is failing: 25 % of the last hour's 20 sends were not delivered (5 failed or rejected). See Settings → SMS & OTP for the reasons.",
    });
  });

  it('say how to fix a code delivered as a voice call', () => {
    expect(voiceInsteadOfSmsAlert().text).toBe(
      'An OTP sent as SMS was delivered as a voice call: the DLT template or sender id is not mapped in your 2Factor account. Map them in the 2Factor dashboard; Settings → SMS & OTP counts these calls.',
    );
  });

  it('give one kind each, from the fixed list', () => {
    const kinds = [
      balanceLowAlert({ account: 'transactional_sms', balance: 12.5, threshold: 100 }),
      budgetReachedAlert({ sentToday: 5000, dailyBudget: 5000, resetsAt: new Date('2026-12-01T18:30:00Z') }),
      circuitOpenAlert({ openForMs: 125_000 }),
      deliveryFailureShareAlert({ sent: 100, failed: 50 })!,
      voiceInsteadOfSmsAlert(),
    ].map((alert) => alert.kind);
    expect(kinds).toEqual([...ALERT_KINDS]);
    expect(
      budgetReachedAlert({ sentToday: 5000, dailyBudget: 5000, resetsAt: new Date('2026-12-01T18:30:00Z') }).text,
    ).toContain('until 12:00 am IST');
    expect(circuitOpenAlert({ openForMs: 125_000 }).text).toContain('failing for 2 min');
  });
});

describe('scrubAlertText', () => {
  it('redacts registered secrets and masks anything shaped like an Indian mobile number', () => {
    const secrets = new SecretRegistry();
    secrets.add('tk-5b2f9c4e-1d7a-4e3b');
    const text =
      'key tk-5b2f9c4e-1d7a-4e3b, phones +919876543210, 919876543211 and 98765 43212 vs 9876543213; balance 500, code-like 123456';
    expect(scrubAlertText(text, secrets)).toBe(
      'key [REDACTED], phones +91******3210, +91******3211 and +91******3212 vs +91******3213; balance 500, code-like 123456',
    );
  });
});

describe('createAlertWatch', () => {
  it('raises what the checks return, and warns once about a check that keeps failing', async () => {
    const logger = pino({ level: 'silent' });
    const warn = vi.spyOn(logger, 'warn');
    const raise = vi.fn(async () => 'sent' as const);
    let redisDown = true;
    const watch = createAlertWatch({
      alerts: { raise },
      checks: [
        async () => {
          if (redisDown) throw new Error('Connection is closed.');
          return budgetReachedAlert({ sentToday: 10, dailyBudget: 10, resetsAt: new Date('2026-12-01T18:30:00Z') });
        },
      ],
      logger,
    });
    await watch.tick();
    await watch.tick();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(raise).not.toHaveBeenCalled();

    redisDown = false;
    await watch.tick();
    expect(raise).toHaveBeenCalledWith(expect.objectContaining({ kind: 'budget_reached' }));
    redisDown = true;
    await watch.tick();
    expect(warn).toHaveBeenCalledTimes(2);
  });
});
