import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { BalancePoint, SmsBalanceResponse } from '../../../common/api/sms.js';
import { SmsBalanceCard } from '@/components/settings/SmsBalanceCard';
import { jsonResponse, meRoute, stubFetch, USERS } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';

/** Hourly samples ending 2026-12-02 10:00 IST. */
function hourly(balances: number[]): BalancePoint[] {
  const endMs = Date.parse('2026-12-02T04:30:00Z');
  return balances.map((balance, index) => ({
    at: new Date(endMs - (balances.length - 1 - index) * 3_600_000).toISOString(),
    balance,
  }));
}

function answer(overrides: Partial<SmsBalanceResponse> = {}): SmsBalanceResponse {
  const otp = hourly([...Array.from({ length: 24 }, (_, i) => 1200 - i * 5), 1000]);
  return {
    in_use: 'otp_sms',
    alert_below: 100,
    poll_interval_s: 600,
    accounts: [
      { account: 'otp_sms', balance: 1000, fetched_at: otp.at(-1)!.at, history: otp },
      { account: 'transactional_sms', balance: null, fetched_at: null, history: [] },
    ],
    ...overrides,
  };
}

function renderBalance(body: SmsBalanceResponse | { status: number; body: unknown }) {
  stubFetch({
    ...meRoute(USERS.admin),
    'GET /api/sms/balance': () => ('accounts' in body ? jsonResponse(200, body) : jsonResponse(body.status, body.body)),
  });
  renderRoutes([{ path: '/', element: <SmsBalanceCard /> }]);
  return screen.getByRole('region', { name: 'SMS balance' });
}

describe('SmsBalanceCard', () => {
  it('shows the balance in use first with its trend in words, and the other one apart', async () => {
    const card = renderBalance(answer());
    const inUse = await within(card).findByRole('region', { name: 'OTP SMS' });
    expect(within(inUse).getByText('In use')).toBeInTheDocument();
    expect(within(inUse).getByText('1,000')).toBeInTheDocument();
    expect(within(inUse).getByText(/in the last 24 hours, about 5 days left at this pace/)).toBeInTheDocument();
    expect(within(inUse).getByText('-200')).toBeInTheDocument();
    expect(
      within(inUse).getByRole('figure', {
        name: /Last 7 days: from 1,200 to 1,000, lowest 1,000, highest 1,200\. Dashed: the alert threshold, 100\./,
      }),
    ).toBeInTheDocument();
    expect(within(inUse).getByText('Checked 2 Dec 2026, 10:00 am IST.')).toBeInTheDocument();

    expect(
      within(card)
        .getAllByRole('heading', { level: 3 })
        .map((heading) => heading.textContent),
    ).toEqual(['OTP SMS', 'Transactional SMS']);
    const other = within(card).getByRole('region', { name: 'Transactional SMS' });
    expect(within(other).getByText('for template sends')).toBeInTheDocument();
    expect(within(other).getByText(/Not read yet/)).toBeInTheDocument();
    expect(within(card).queryByRole('alert')).not.toBeInTheDocument();
  });

  it('puts the transactional balance first in template mode, and warns when it is under the threshold', async () => {
    const card = renderBalance(
      answer({
        in_use: 'transactional_sms',
        alert_below: 500,
        accounts: [
          { account: 'otp_sms', balance: 1000, fetched_at: '2026-12-02T04:30:00.000Z', history: hourly([1000, 1000]) },
          {
            account: 'transactional_sms',
            balance: 42,
            fetched_at: '2026-12-02T04:30:00.000Z',
            history: hourly([60, 42]),
          },
        ],
      }),
    );
    const alert = await within(card).findByRole('alert');
    expect(alert).toHaveTextContent('Balance low');
    expect(alert).toHaveTextContent(
      'Transactional SMS has 42 credits left, under the alert threshold of 500 (SMS_BALANCE_ALERT_BELOW).',
    );
    expect(
      within(card)
        .getAllByRole('heading', { level: 3 })
        .map((heading) => heading.textContent),
    ).toEqual(['Transactional SMS', 'OTP SMS']);
    expect(
      within(within(card).getByRole('region', { name: 'OTP SMS' })).queryByRole('figure', { name: /Dashed/ }),
    ).not.toBeInTheDocument();
  });

  it('says so when the balance cannot be read', async () => {
    const card = renderBalance({ status: 403, body: { status: 'forbidden', message: 'Admins only.' } });
    expect(await within(card).findByText('The balance is not available')).toBeInTheDocument();
    expect(within(card).getByText('Admins only.')).toBeInTheDocument();
  });
});
