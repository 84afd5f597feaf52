import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { OtpLogItem } from '../../../common/api/sms.js';
import { OtpLogsPreview } from '@/components/settings/OtpLogsPreview';
import { jsonResponse, meRoute, stubFetch, USERS, type FakeHandler } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';
import { stubViewportWidth } from '@/test/viewport';

function logItem(id: number, extra: Partial<OtpLogItem> = {}): OtpLogItem {
  return {
    id,
    user_id: null,
    phone: '+91******3210',
    session_id: `5f0c2a1e-0000-4000-8000-${String(id).padStart(12, '0')}`,
    type: 'autogen',
    origin: 'login',
    status: 'sent',
    response_time_ms: 100 + id,
    details: null,
    created_at: new Date(Date.UTC(2026, 0, 1, 10, 0, id)).toISOString(),
    ...extra,
  };
}

const FIRST_PAGE = {
  items: [
    logItem(43, {
      type: 'verify',
      status: 'otp_mismatch',
      response_time_ms: 250,
      details: '{"Status":"Error","Details":"OTP Mismatch"}',
    }),
    logItem(42, { type: 'verify', status: 'verified', response_time_ms: 200 }),
    logItem(41, { status: 'provider_error', response_time_ms: 900, details: 'Invalid API Key' }),
  ],
  next_before: 41,
};
const SECOND_PAGE = { items: [logItem(40, { phone: '+91******0000', response_time_ms: 300 })], next_before: null };

function renderLogs(handler?: FakeHandler) {
  const server = stubFetch({
    ...meRoute(USERS.admin),
    'GET /api/sms/logs':
      handler ?? ((request) => jsonResponse(200, request.query.get('before') === '41' ? SECOND_PAGE : FIRST_PAGE)),
  });
  return { ...server, ...renderRoutes([{ path: '/', element: <OtpLogsPreview /> }]) };
}

const logRequests = (requests: { path: string; query: URLSearchParams }[]) =>
  requests.filter((r) => r.path === '/api/sms/logs').map((r) => Object.fromEntries(r.query));

const bodyRows = () =>
  within(screen.getByRole('table'))
    .getAllByRole('row')
    .slice(1)
    .filter((row) => !row.hidden);

describe('OtpLogsPreview', () => {
  it('lists the latest entries with type, status, masked phone, short session id and response time', async () => {
    const { requests } = renderLogs();

    const table = await screen.findByRole('table', { name: 'OTP log entries, newest first' });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((th) => th.textContent),
    ).toEqual(['Time', 'Type', 'Status', 'Phone', 'Session', 'Response time', 'Provider details']);
    const [first] = bodyRows();
    expect(within(first!).getByText('otp_mismatch')).toBeInTheDocument();
    expect(within(first!).getByText('verify')).toBeInTheDocument();
    expect(within(first!).getByText('+91******3210')).toBeInTheDocument();
    expect(within(first!).getByText('250 ms')).toBeInTheDocument();
    expect(within(first!).getByText('5f0c2a1e…')).toHaveAttribute('title', '5f0c2a1e-0000-4000-8000-000000000043');
    expect(within(first!).getByText((_, el) => el?.tagName === 'TIME')).toHaveAttribute(
      'datetime',
      FIRST_PAGE.items[0]!.created_at,
    );
    expect(bodyRows()).toHaveLength(3);
    expect(logRequests(requests)).toEqual([{ limit: '20' }]);
  });

  it('shows where each row came from: our login, a test send, or Supabase Auth through the Send SMS Hook', async () => {
    renderLogs(() =>
      jsonResponse(200, {
        items: [
          logItem(3, { origin: 'supabase_hook', user_id: '6481a5c1-3d37-4a56-9f6a-bee08c554965' }),
          logItem(2, { origin: 'test' }),
          logItem(1),
        ],
        next_before: null,
      }),
    );

    await screen.findByRole('table');
    const [hook, test, login] = bodyRows();
    expect(within(hook!).getByText('Supabase hook')).toHaveTextContent('from Supabase hook');
    expect(within(test!).getByText('Test')).toBeInTheDocument();
    expect(within(login!).getByText('Login')).toBeInTheDocument();
    expect(within(hook!).queryByText('Login')).not.toBeInTheDocument();
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

  it('shows delivery health apart from how people did with their codes, and charts response times', async () => {
    renderLogs();

    const delivery = await screen.findByRole('region', { name: 'Delivery' });
    expect(delivery).toHaveTextContent('2Factor accepted 0 of 1 send (0%): 1 refused, 0 unavailable.');
    // The wrong code is the person's outcome, not a failure of the service.
    expect(screen.getByRole('region', { name: 'Code checks' })).toHaveTextContent(
      '2 code checks: 1 verified, 1 wrong code, 0 expired, 0 no longer valid.',
    );
    expect(screen.queryByText(/success rate/i)).not.toBeInTheDocument();
    const figure = screen.getByRole('figure');
    expect(figure).toHaveAccessibleName('Response time of the 3 listed entries: median 250 ms, slowest 900 ms.');
    expect([...figure.querySelectorAll('rect')].map((rect) => rect.getAttribute('class'))).toEqual([
      'fill-destructive',
      'fill-chart-2',
      'fill-chart-4',
    ]);
  });

  it('refreshes on demand', async () => {
    let answers = 0;
    renderLogs(() =>
      jsonResponse(200, ++answers === 1 ? FIRST_PAGE : { items: [logItem(44), ...FIRST_PAGE.items], next_before: 41 }),
    );
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
    expect(screen.queryByRole('button', { name: 'Show all types' })).not.toBeInTheDocument();
  });

  it.each([
    ['template', 'No template sends yet.'],
    ['autogen', 'No autogen sends yet.'],
    ['verify', 'No verifications yet.'],
  ])('with the %s filter on and nothing matching, says so and offers all types', async (type, message) => {
    renderLogs((request) =>
      jsonResponse(200, request.query.get('type') === null ? FIRST_PAGE : { items: [], next_before: null }),
    );
    const user = userEvent.setup();

    await screen.findByRole('table');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Type' }), type);

    expect(await screen.findByText(message)).toBeInTheDocument();
    expect(screen.queryByText(/No OTP activity yet/)).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Show all types' }));
    expect(await screen.findByRole('table')).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Type' })).toHaveValue('all');
  });

  it('offers a retry when the logs cannot be loaded', async () => {
    renderLogs(() => jsonResponse(403, { status: 'forbidden', message: 'Admins only.' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('The OTP logs could not be loaded');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});

describe('OtpLogsPreview on a narrow screen', () => {
  const entries = () =>
    within(screen.getByRole('list', { name: 'OTP log entries, newest first' })).getAllByRole('listitem');

  it('shows each entry as a stacked row with status, type, masked phone, response time and time, and no table', async () => {
    stubViewportWidth(375);
    renderLogs();

    expect(await screen.findByRole('list', { name: 'OTP log entries, newest first' })).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(entries()).toHaveLength(3);
    const first = entries()[0]!;
    expect(within(first).getByText('otp_mismatch')).toBeInTheDocument();
    expect(within(first).getByText('verify')).toBeInTheDocument();
    expect(within(first).getByText('+91******3210')).toBeInTheDocument();
    expect(within(first).getByText('250 ms')).toBeInTheDocument();
    expect(within(first).getByText((_, el) => el?.tagName === 'TIME')).toHaveAttribute(
      'datetime',
      FIRST_PAGE.items[0]!.created_at,
    );
  });

  it('gives each stacked entry its origin badge', async () => {
    stubViewportWidth(375);
    renderLogs(() =>
      jsonResponse(200, {
        items: [logItem(2, { origin: 'supabase_hook' }), logItem(1, { origin: 'test' })],
        next_before: null,
      }),
    );

    await screen.findByRole('list', { name: 'OTP log entries, newest first' });
    expect(within(entries()[0]!).getByText('Supabase hook')).toBeInTheDocument();
    expect(within(entries()[1]!).getByText('Test')).toBeInTheDocument();
  });

  it('opens the details of an entry on tap or with the keyboard: the session and the provider answer', async () => {
    stubViewportWidth(375);
    renderLogs();
    const user = userEvent.setup();

    await screen.findByRole('list', { name: 'OTP log entries, newest first' });
    const refused = within(entries()[2]!).getByRole('button');
    expect(refused).toHaveAttribute('aria-expanded', 'false');
    expect(screen.getByText('Invalid API Key')).not.toBeVisible();

    await user.click(refused);
    expect(refused).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByText('Invalid API Key')).toBeVisible();
    expect(screen.getByText('5f0c2a1e-0000-4000-8000-000000000041')).toBeVisible();

    await user.keyboard('{Enter}');
    expect(screen.getByText('Invalid API Key')).not.toBeVisible();
    const verified = within(entries()[1]!).getByRole('button');
    verified.focus();
    await user.keyboard(' ');
    expect(verified).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByText('5f0c2a1e-0000-4000-8000-000000000042')).toBeVisible();
  });

  it('keeps the table on a wide screen', async () => {
    stubViewportWidth(1280);
    renderLogs();

    expect(await screen.findByRole('table', { name: 'OTP log entries, newest first' })).toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'OTP log entries, newest first' })).not.toBeInTheDocument();
  });
});
