import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { OtpLogItem } from '../../../common/api/sms.js';
import { OtpLogsPreview } from '@/components/settings/OtpLogsPreview';
import { otpLogStats, otpLogSummary } from '@/components/settings/OtpLogsChart';
import { jsonResponse, meRoute, stubFetch, USERS, type FakeHandler } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';

function logItem(id: number, extra: Partial<OtpLogItem> = {}): OtpLogItem {
  return {
    id,
    user_id: null,
    phone: '+91******3210',
    session_id: `5f0c2a1e-0000-4000-8000-${String(id).padStart(12, '0')}`,
    type: 'autogen',
    status: 'sent',
    response_time_ms: 100 + id,
    details: null,
    created_at: new Date(Date.UTC(2026, 0, 1, 10, 0, id)).toISOString(),
    ...extra,
  };
}

const FIRST_PAGE = {
  items: [
    logItem(43, { type: 'verify', status: 'otp_mismatch', response_time_ms: 250, details: '{"Status":"Error","Details":"OTP Mismatch"}' }),
    logItem(42, { type: 'verify', status: 'verified', response_time_ms: 200 }),
    logItem(41, { status: 'provider_error', response_time_ms: 900, details: 'Invalid API Key' }),
  ],
  next_before: 41,
};
const SECOND_PAGE = { items: [logItem(40, { phone: '+91******0000', response_time_ms: 300 })], next_before: null };

function renderLogs(handler?: FakeHandler) {
  const server = stubFetch({
    ...meRoute(USERS.admin),
    'GET /api/sms/logs': handler ?? ((request) => jsonResponse(200, request.query.get('before') === '41' ? SECOND_PAGE : FIRST_PAGE)),
  });
  return { ...server, ...renderRoutes([{ path: '/', element: <OtpLogsPreview /> }]) };
}

const logRequests = (requests: { path: string; query: URLSearchParams }[]) =>
  requests.filter((r) => r.path === '/api/sms/logs').map((r) => Object.fromEntries(r.query));

const bodyRows = () => within(screen.getByRole('table')).getAllByRole('row').slice(1).filter((row) => !row.hidden);

describe('OtpLogsPreview', () => {
  it('lists the latest entries with type, status, masked phone, short session id and response time', async () => {
    const { requests } = renderLogs();

    const table = await screen.findByRole('table', { name: 'OTP log entries, newest first' });
    expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toEqual([
      'Time',
      'Type',
      'Status',
      'Phone',
      'Session',
      'Response time',
      'Provider details',
    ]);
    const [first] = bodyRows();
    expect(within(first!).getByText('otp_mismatch')).toBeInTheDocument();
    expect(within(first!).getByText('verify')).toBeInTheDocument();
    expect(within(first!).getByText('+91******3210')).toBeInTheDocument();
    expect(within(first!).getByText('250 ms')).toBeInTheDocument();
    expect(within(first!).getByText('5f0c2a1e…')).toHaveAttribute('title', '5f0c2a1e-0000-4000-8000-000000000043');
    expect(within(first!).getByText((_, el) => el?.tagName === 'TIME')).toHaveAttribute('datetime', FIRST_PAGE.items[0]!.created_at);
    expect(bodyRows()).toHaveLength(3);
    expect(logRequests(requests)).toEqual([{ limit: '20' }]);
  });

  it('shows the provider details of a row on demand', async () => {
    renderLogs();
    const user = userEvent.setup();

    await screen.findByRole('table');
    expect(screen.getByText('Invalid API Key')).not.toBeVisible();
    const row = bodyRows()[2]!;
    const button = within(row).getByRole('button', { name: 'Details' });
    expect(button).toHaveAttribute('aria-expanded', 'false');

    await user.click(button);

    expect(button).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByText('Invalid API Key')).toBeVisible();
    expect(screen.getByText('{"Status":"Error","Details":"OTP Mismatch"}')).not.toBeVisible();
    // A row without details has nothing to open.
    expect(within(bodyRows()[1]!).queryByRole('button', { name: 'Details' })).not.toBeInTheDocument();

    await user.click(button);
    expect(screen.getByText('Invalid API Key')).not.toBeVisible();
  });

  it('loads older entries with before=next_before, until there are none', async () => {
    const { requests } = renderLogs();
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Load more' }));

    expect(await screen.findByText('+91******0000')).toBeInTheDocument();
    expect(bodyRows()).toHaveLength(4);
    expect(logRequests(requests)).toEqual([{ limit: '20' }, { limit: '20', before: '41' }]);
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
    expect(screen.getByText('Showing 4 entries.')).toBeInTheDocument();
  });

  it('charts response time and success rate, and says the same in words', async () => {
    renderLogs();

    const figure = await screen.findByRole('figure');
    expect(figure).toHaveAccessibleName(
      '3 entries: success rate 33% (1 of 3 sent or verified); response time median 250 ms, slowest 900 ms.',
    );
    expect(figure.querySelectorAll('rect')).toHaveLength(3);
  });

  it('refreshes on demand', async () => {
    let answers = 0;
    renderLogs(() => jsonResponse(200, ++answers === 1 ? FIRST_PAGE : { items: [logItem(44), ...FIRST_PAGE.items], next_before: 41 }));
    const user = userEvent.setup();

    await screen.findByRole('table');
    expect(bodyRows()).toHaveLength(3);
    await user.click(screen.getByRole('button', { name: 'Refresh' }));

    expect(await screen.findByText('144 ms')).toBeInTheDocument();
    expect(bodyRows()).toHaveLength(4);
  });

  it('filters by type', async () => {
    const { requests } = renderLogs();
    const user = userEvent.setup();

    await screen.findByRole('table');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Type' }), 'verify');

    await screen.findByRole('table');
    expect(logRequests(requests).at(-1)).toEqual({ limit: '20', type: 'verify' });
  });

  it('says when there is nothing yet', async () => {
    renderLogs(() => jsonResponse(200, { items: [], next_before: null }));

    expect(await screen.findByText('No OTP activity yet. Send a test OTP to see it here.')).toBeInTheDocument();
    expect(screen.queryByRole('figure')).not.toBeInTheDocument();
  });

  it('offers a retry when the logs cannot be loaded', async () => {
    renderLogs(() => jsonResponse(403, { status: 'forbidden', message: 'Admins only.' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('The OTP logs could not be loaded');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});

describe('otpLogStats', () => {
  it('counts sent and verified as successes and takes the median response time', () => {
    const stats = otpLogStats([
      logItem(1, { status: 'sent', response_time_ms: 100 }),
      logItem(2, { status: 'verified', response_time_ms: 300 }),
      logItem(3, { status: 'otp_expired', response_time_ms: 200 }),
      logItem(4, { status: 'provider_unavailable', response_time_ms: 900 }),
    ]);

    expect(stats).toEqual({ count: 4, successes: 2, successRatePercent: 50, medianMs: 250, maxMs: 900 });
    expect(otpLogSummary(stats)).toBe(
      '4 entries: success rate 50% (2 of 4 sent or verified); response time median 250 ms, slowest 900 ms.',
    );
  });
});
