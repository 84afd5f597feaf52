import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SmsUsageResponse } from '../../../common/api/sms.js';
import { SmsUsageCard } from '@/components/settings/SmsUsageCard';
import { jsonResponse, meRoute, stubFetch, USERS } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';

// 2026-12-02 00:00 IST.
const RESETS_AT = '2026-12-01T18:30:00.000Z';

function renderUsage(usage: SmsUsageResponse | { status: number; body: unknown }) {
  stubFetch({
    ...meRoute(USERS.admin),
    'GET /api/sms/usage': () =>
      'sent_today' in usage ? jsonResponse(200, usage) : jsonResponse(usage.status, usage.body),
  });
  renderRoutes([{ path: '/', element: <SmsUsageCard /> }]);
  return screen.getByRole('region', { name: "Today's SMS" });
}

describe('SmsUsageCard', () => {
  it("shows today's SMS against the daily budget, with a progress bar and when the count starts over", async () => {
    const card = renderUsage({ sent_today: 1234, daily_budget: 5000, resets_at: RESETS_AT });
    const bar = await within(card).findByRole('progressbar', { name: /1,234 of 5,000 sent today/ });
    expect(bar).toHaveAttribute('aria-valuenow', '1234');
    expect(bar).toHaveAttribute('aria-valuemax', '5000');
    expect(within(card).getByText(/starts over at 12:00 am IST/i)).toBeInTheDocument();
    expect(within(card).queryByRole('alert')).not.toBeInTheDocument();
  });

  it('says the budget is reached and what sends answer until midnight IST', async () => {
    const card = renderUsage({ sent_today: 5000, daily_budget: 5000, resets_at: RESETS_AT });
    expect(await within(card).findByText('Daily budget reached')).toBeInTheDocument();
    expect(within(card).getByText(/sms_budget_exhausted/)).toBeInTheDocument();
  });

  it('says so when the count cannot be read', async () => {
    const card = renderUsage({
      status: 503,
      body: { status: 'rate_limiter_unavailable', message: 'We cannot check request limits right now.' },
    });
    expect(await within(card).findByText("Today's count is not available", {}, { timeout: 5000 })).toBeInTheDocument();
  });
});
