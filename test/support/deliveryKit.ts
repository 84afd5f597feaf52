/**
 * What the delivery report suites share: the callback token, posting 2Factor's forms to the callback route, real
 * sends whose 2Factor session ids the reports can name, and readers of the two delivery tables.
 */
import request from 'supertest';
import type { Db } from '../../server/db/db.js';
import type { TwoFactorSimulator } from '../../server/providers/twoFactor/simulator.js';
import type { TestApp } from './testApp.js';

/** TWO_FACTOR_CALLBACK_TOKEN of the apps under test. */
export const CALLBACK_TOKEN = 'cb-4f1d9a7e-2b6c-4e8f-a1d3-5c7e9b0f2a4d';
export const CALLBACK_PATH = `/api/sms/callbacks/2factor/${CALLBACK_TOKEN}`;

/** Posts `fields` as 2Factor does: a form, no Origin, no cookie. */
export function postReport(app: TestApp, fields: Record<string, string>, path = CALLBACK_PATH): request.Test {
  return request(app.app).post(path).type('form').send(fields);
}

/** An admin's test send to `phone`: our session id, and 2Factor's (the simulator's) session id the reports name. */
export async function testSend(
  app: TestApp,
  simulator: TwoFactorSimulator,
  cookie: string,
  phone: string,
): Promise<{ sessionId: string; providerSessionId: string }> {
  const sent = await request(app.app)
    .post('/api/sms/sendOtp')
    .set('Cookie', cookie)
    .send({ phone, purpose: 'test' })
    .expect(200);
  const message = simulator.outbox({ phone }).at(-1);
  if (!message) throw new Error(`no SMS reached ${phone}`);
  return { sessionId: sent.body.session_id as string, providerSessionId: message.providerSessionId };
}

/** The SMS OTP report 2Factor posts: `To` is the 10-digit number. */
export function smsOtpReport(providerSessionId: string, phone: string, status: string): Record<string, string> {
  return { mode: 'SMS_OTP', SessionId: providerSessionId, To: phone.slice(3), Status: status };
}

export interface DeliveryEventRow {
  provider_session_id: string | null;
  user_id: string | null;
  phone: string | null;
  form: string;
  channel: string;
  outcome: string;
  provider_status: string | null;
  reason: string | null;
  voice_instead_of_sms: boolean;
  sent_at: Date | null;
  send_to_report_ms: string | number | null;
  details: Record<string, string>;
}

export async function deliveryEvents(db: Db): Promise<DeliveryEventRow[]> {
  const { rows } = await db.query<DeliveryEventRow>('select * from public.sms_delivery_events order by id');
  return rows.map((row) => ({
    ...row,
    details: typeof row.details === 'string' ? (JSON.parse(row.details) as Record<string, string>) : row.details,
  }));
}

export interface DeliveryStateRow {
  provider_session_id: string;
  status: string;
  reason: string | null;
  channel: string;
  voice_instead_of_sms: boolean;
  status_at: Date;
  reports: number;
}

export async function deliveryState(db: Db, providerSessionId: string): Promise<DeliveryStateRow | undefined> {
  const { rows } = await db.query<DeliveryStateRow>(
    'select * from public.sms_deliveries where provider_session_id = $1',
    [providerSessionId],
  );
  return rows[0];
}
