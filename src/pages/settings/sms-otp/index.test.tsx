import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { OtpLogItem, SmsConfigView } from '../../../../common/api/sms.js';
import { jsonResponse, meRoute, stubFetch, USERS } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';
import { routes } from '@/routes';

const CONFIG: SmsConfigView = {
  api_key_set: false,
  api_key_masked: null,
  api_key_source: 'sandbox',
  api_key_source_without_saved: 'sandbox',
  sender_id: 'OTPSMS',
  template_name: 'LoginOTP',
  mode: 'autogen',
  sandbox: true,
};

function log(id: number, status: string): OtpLogItem {
  return {
    id,
    user_id: 'u-2',
    phone: '+91******3210',
    session_id: '0b7e7f3c-6a4e-4d7a-9a55-0c1d2e3f4a5b',
    type: 'autogen',
    origin: 'login',
    status,
    response_time_ms: 120,
    details: null,
    created_at: '2026-01-01T10:00:00.000Z',
  };
}

/** The Test Sender's send, answered as sent. */
const sentAnswer = () =>
  jsonResponse(200, {
    session_id: '0b7e7f3c-6a4e-4d7a-9a55-0c1d2e3f4a5b',
    status: 'sent',
    message: 'We sent a code.',
    response_time_ms: 90,
    expires_in_s: 300,
    resend_after_s: 30,
  });

describe('Settings → SMS & OTP page', () => {
  it('shows every section to an admin', async () => {
    stubFetch({
      ...meRoute(USERS.admin),
      'GET /api/sms/config': () => jsonResponse(200, CONFIG),
      'GET /api/sms/logs': () => jsonResponse(200, { items: [log(1, 'sent')], next_before: null }),
    });
    renderRoutes(routes, ['/settings/sms-otp']);

    expect(await screen.findByRole('heading', { level: 1, name: 'SMS & OTP' })).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'API Configuration' })).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Test Sender' })).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Logs Preview' })).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Delivery funnel' })).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Supabase Auth hook' })).toBeInTheDocument();
    expect(await screen.findByText('Sandbox')).toBeInTheDocument();
  });

  it('lists a test send in the logs right after it is sent', async () => {
    let logs = [log(1, 'sent')];
    stubFetch({
      ...meRoute(USERS.superAdmin),
      'GET /api/sms/config': () => jsonResponse(200, CONFIG),
      'GET /api/sms/logs': () => jsonResponse(200, { items: logs, next_before: null }),
      'POST /api/sms/sendOtp': () => {
        logs = [log(2, 'provider_error'), ...logs];
        return jsonResponse(502, {
          status: 'provider_error',
          message: 'We could not send or check the code right now.',
        });
      },
    });
    renderRoutes(routes, ['/settings/sms-otp']);
    const user = userEvent.setup();

    const sender = await screen.findByRole('region', { name: 'Test Sender' });
    await user.type(within(sender).getByLabelText('Mobile number'), '9876543210');
    await user.click(within(sender).getByRole('button', { name: 'Send OTP' }));

    const logsRegion = screen.getByRole('region', { name: 'Logs Preview' });
    expect(await within(logsRegion).findByText('provider_error')).toBeInTheDocument();
    expect(within(sender).getByText('We could not send or check the code right now.')).toBeInTheDocument();
  });

  it("counts a test send in today's SMS right after it is sent", async () => {
    let sentToday = 7;
    stubFetch({
      ...meRoute(USERS.admin),
      'GET /api/sms/config': () => jsonResponse(200, CONFIG),
      'GET /api/sms/logs': () => jsonResponse(200, { items: [], next_before: null }),
      'GET /api/sms/usage': () =>
        jsonResponse(200, { sent_today: sentToday, daily_budget: 5000, resets_at: '2026-12-01T18:30:00.000Z' }),
      'POST /api/sms/sendOtp': () => {
        sentToday += 1;
        return sentAnswer();
      },
    });
    renderRoutes(routes, ['/settings/sms-otp']);
    const user = userEvent.setup();
    const usage = await screen.findByRole('region', { name: "Today's SMS" });
    expect(await within(usage).findByRole('progressbar', { name: /^7 of 5,000/ })).toBeInTheDocument();

    const sender = screen.getByRole('region', { name: 'Test Sender' });
    await user.type(within(sender).getByLabelText('Mobile number'), '9876543210');
    await user.click(within(sender).getByRole('button', { name: 'Send OTP' }));
    expect(await within(usage).findByRole('progressbar', { name: /^8 of 5,000/ })).toBeInTheDocument();
  });

  it('counts a test send in the delivery funnel right after it is sent', async () => {
    let accepted = 0;
    stubFetch({
      ...meRoute(USERS.admin),
      'GET /api/sms/config': () => jsonResponse(200, CONFIG),
      'GET /api/sms/logs': () => jsonResponse(200, { items: [], next_before: null }),
      'GET /api/sms/funnel': () =>
        jsonResponse(200, {
          period: '24h',
          from: '2026-11-23T12:00:00.000Z',
          to: '2026-11-24T12:00:00.000Z',
          reports_enabled: true,
          accepted,
          delivered: 0,
          failed: 0,
          awaiting_report: accepted,
          verified: 0,
          delivered_as_voice: 0,
          failure_reasons: [],
          delivery_time_ms: { p50: null, p95: null },
          by_hour: Array.from({ length: 24 }, (_, hour) => ({
            hour,
            accepted: hour === 10 ? accepted : 0,
            delivered: 0,
            failed: 0,
            verified: 0,
          })),
          unmatched_reports: 0,
          voice_instead_of_sms: { last_7_days: 0, last_at: null },
        }),
      'POST /api/sms/sendOtp': () => {
        accepted += 1;
        return sentAnswer();
      },
    });
    renderRoutes(routes, ['/settings/sms-otp']);
    const user = userEvent.setup();
    const funnel = await screen.findByRole('region', { name: 'Delivery funnel' });
    expect(await within(funnel).findByText('No OTP was sent in the last 24 hours.')).toBeInTheDocument();

    const sender = screen.getByRole('region', { name: 'Test Sender' });
    await user.type(within(sender).getByLabelText('Mobile number'), '9876543210');
    await user.click(within(sender).getByRole('button', { name: 'Send OTP' }));
    const stages = await within(funnel).findByRole('list', { name: 'Funnel' });
    expect(within(stages).getAllByRole('listitem')[0]).toHaveTextContent(/Accepted by 2Factor\s*1$/);
  });

  it('shows the balance beside the budget, the test numbers while active, and a save in the settings history at once', async () => {
    let changes = [
      {
        id: 1,
        changed_at: '2026-12-01T18:45:00.000Z',
        changed_by: { id: 'u-2', email: 'admin@example.com' },
        fields: ['mode'],
      },
    ];
    let saved = CONFIG;
    stubFetch({
      ...meRoute(USERS.admin),
      'GET /api/sms/config': () => jsonResponse(200, saved),
      'PUT /api/sms/config': (request) => {
        saved = { ...saved, ...(request.body as Partial<SmsConfigView>) };
        changes = [
          {
            id: 2,
            changed_at: '2026-12-02T04:30:00.000Z',
            changed_by: { id: 'u-2', email: 'admin@example.com' },
            fields: ['template_name'],
          },
          ...changes,
        ];
        return jsonResponse(200, saved);
      },
      'GET /api/sms/config/changes': () => jsonResponse(200, { items: changes }),
      'GET /api/sms/logs': () => jsonResponse(200, { items: [], next_before: null }),
      'GET /api/sms/usage': () =>
        jsonResponse(200, { sent_today: 7, daily_budget: 5000, resets_at: '2026-12-01T18:30:00.000Z' }),
      'GET /api/sms/test-numbers': () => jsonResponse(200, { numbers: ['+91******0001'], production: false }),
      'GET /api/sms/balance': () =>
        jsonResponse(200, {
          in_use: 'otp_sms',
          alert_below: 100,
          poll_interval_s: 600,
          accounts: [
            { account: 'otp_sms', balance: 480, fetched_at: '2026-12-02T04:30:00.000Z', history: [] },
            { account: 'transactional_sms', balance: null, fetched_at: null, history: [] },
          ],
        }),
    });
    renderRoutes(routes, ['/settings/sms-otp']);
    const user = userEvent.setup();

    await vi.waitFor(() =>
      expect(screen.getAllByRole('status').map((status) => status.textContent)).toContainEqual(
        expect.stringMatching(/^Test numbers are active/),
      ),
    );
    const balance = screen.getByRole('region', { name: 'SMS balance' });
    expect(await within(balance).findByText('480')).toBeInTheDocument();
    const history = screen.getByRole('region', { name: 'Settings history' });
    expect(await within(history).findAllByRole('listitem')).toHaveLength(1);

    const template = await screen.findByLabelText('Template name');
    await user.clear(template);
    await user.type(template, 'OTP_Template-2');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(within(history).getAllByRole('listitem')).toHaveLength(2));
    expect(within(history).getAllByRole('listitem')[0]).toHaveTextContent('Template name changed by admin@example.com');
  });
});
