import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { DeliveryFunnelResponse, FunnelHour } from '../../../common/api/delivery.js';
import { DeliveryFunnelCard } from '@/components/settings/DeliveryFunnelCard';
import { jsonResponse, meRoute, stubFetch, USERS, type FakeHandler } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';

function hours(
  figures: Record<number, [accepted: number, delivered: number, failed: number, verified: number]> = {},
): FunnelHour[] {
  return Array.from({ length: 24 }, (_, hour) => {
    const [accepted, delivered, failed, verified] = figures[hour] ?? [0, 0, 0, 0];
    return { hour, accepted, delivered, failed, verified };
  });
}

function funnel(overrides: Partial<DeliveryFunnelResponse> = {}): DeliveryFunnelResponse {
  return {
    period: '24h',
    from: '2026-11-23T12:00:00.000Z',
    to: '2026-11-24T12:00:00.000Z',
    reports_enabled: true,
    accepted: 12,
    delivered: 9,
    failed: 2,
    awaiting_report: 1,
    verified: 8,
    delivered_as_voice: 0,
    failure_reasons: [
      { reason: 'EC_ABSENT_SUBSCRIBER', count: 1, share: 0.5 },
      { reason: 'DND_BLOCKED', count: 1, share: 0.5 },
    ],
    delivery_time_ms: { p50: 2_350, p95: 9_400 },
    by_hour: hours({ 9: [5, 4, 1, 3], 14: [7, 5, 1, 5] }),
    unmatched_reports: 0,
    voice_instead_of_sms: { last_7_days: 0, last_at: null },
    ...overrides,
  };
}

/** The value of a figure (a `<dt>` term and its `<dd>`) in the card. */
function figure(card: HTMLElement, term: string): Element | null {
  return within(card).getByText(term, { selector: 'dt' }).nextElementSibling;
}

function renderCard(handler: FakeHandler) {
  const server = stubFetch({ ...meRoute(USERS.admin), 'GET /api/sms/funnel': handler });
  renderRoutes([{ path: '/', element: <DeliveryFunnelCard /> }]);
  return { server, card: screen.getByRole('region', { name: 'Delivery funnel' }) };
}

describe('DeliveryFunnelCard', () => {
  it('shows the last 24 hours as numbers: stages with their share of accepted, failures, delivery time and hours', async () => {
    const { card, server } = renderCard(() => jsonResponse(200, funnel()));
    const stages = within(await within(card).findByRole('list', { name: 'Funnel' })).getAllByRole('listitem');
    expect(stages).toHaveLength(3);
    expect(stages[0]).toHaveTextContent(/^Accepted by 2Factor\s*12$/);
    expect(stages[1]).toHaveTextContent(/^Delivered\s*9 · 75% of accepted$/);
    expect(stages[2]).toHaveTextContent(/^Verified\s*8 · 67% of accepted$/);

    expect(figure(card, 'Failed')).toHaveTextContent('2');
    expect(figure(card, 'Awaiting a report')).toHaveTextContent('1');
    expect(figure(card, 'Median (p50)')).toHaveTextContent('2.4 s');
    expect(figure(card, '95th percentile (p95)')).toHaveTextContent('9.4 s');

    const reasons = within(within(card).getByRole('list', { name: 'Why sends failed' })).getAllByRole('listitem');
    expect(reasons[0]).toHaveTextContent(/Phone off or out of coverage\s*EC_ABSENT_SUBSCRIBER\s*1 · 50% of failures/);
    expect(reasons[1]).toHaveTextContent(/^DND_BLOCKED\s*1 · 50% of failures$/);

    const table = within(card).getByRole('table', { name: 'Sends by hour of the day (IST)' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(
      rows.map((row) =>
        within(row)
          .getAllByRole('cell')
          .map((cell) => cell.textContent),
      ),
    ).toEqual([
      ['5', '4', '1', '3'],
      ['7', '5', '1', '5'],
    ]);
    expect(rows.map((row) => within(row).getByRole('rowheader').textContent)).toEqual(['09:00', '14:00']);
    expect(within(card).getByText(/busiest hour began at 14:00 IST, with 7 sends/)).toBeInTheDocument();
    expect(server.requests.find((request) => request.path === '/api/sms/funnel')?.query.get('period')).toBe('24h');
    expect(within(card).queryByRole('alert')).not.toBeInTheDocument();
  });

  it('switches to the last 7 days from the keyboard and asks for that period', async () => {
    const { card, server } = renderCard((request) =>
      jsonResponse(
        200,
        request.query.get('period') === '7d'
          ? funnel({ period: '7d', accepted: 80, delivered: 70, verified: 60 })
          : funnel(),
      ),
    );
    const user = userEvent.setup();
    const day = await within(card).findByRole('tab', { name: 'Last 24 hours' });
    expect(day).toHaveAttribute('aria-selected', 'true');
    await within(card).findByRole('list', { name: 'Funnel' });
    day.focus();
    await user.keyboard('{ArrowRight}');
    const week = within(card).getByRole('tab', { name: 'Last 7 days' });
    expect(week).toHaveAttribute('aria-selected', 'true');
    const panel = within(card).getByRole('tabpanel', { name: 'Last 7 days' });
    expect(await within(panel).findByText('80')).toBeInTheDocument();
    expect(
      server.requests.some((request) => request.path === '/api/sms/funnel' && request.query.get('period') === '7d'),
    ).toBe(true);
  });

  it('warns when codes sent as SMS were delivered as voice calls, with how to fix the DLT mapping', async () => {
    const { card } = renderCard(() =>
      jsonResponse(
        200,
        funnel({
          delivered_as_voice: 3,
          voice_instead_of_sms: { last_7_days: 3, last_at: '2026-11-24T09:15:00.000Z' },
        }),
      ),
    );
    const alert = await within(card).findByRole('alert');
    expect(within(alert).getByText('OTPs delivered as voice calls')).toBeInTheDocument();
    expect(alert).toHaveTextContent(
      '3 codes sent as SMS were delivered as a voice call in the last 7 days (last on 24 Nov 2026, 2:45 pm IST)',
    );
    expect(alert).toHaveTextContent('the DLT template or sender is not mapped in your 2Factor account');
    expect(within(alert).getAllByRole('listitem')[0]).toHaveTextContent(
      /map your DLT-approved sender id \(header\) and OTP template/,
    );
    expect(figure(card, 'As a voice call')).toHaveTextContent('3');
  });

  it('says delivery reports are off, and how to turn them on, when the server has no callback token', async () => {
    const { card } = renderCard(() =>
      jsonResponse(
        200,
        funnel({
          reports_enabled: false,
          delivered: 0,
          failed: 0,
          awaiting_report: 12,
          failure_reasons: [],
          delivery_time_ms: { p50: null, p95: null },
        }),
      ),
    );
    const notice = (await within(card).findByText('Delivery reports are off')).closest('[role="status"]');
    expect(notice).toHaveTextContent('Give the server a delivery callback token in its environment (see the README)');
    expect(notice).toHaveTextContent(`${window.location.origin}/api/sms/callbacks/2factor/<token>`);
    expect(within(card).getByText('No delivery reported yet.')).toBeInTheDocument();
    expect(within(card).getByText('No failure reported.')).toBeInTheDocument();
  });

  it('says when nothing was sent in the period', async () => {
    const { card } = renderCard(() =>
      jsonResponse(
        200,
        funnel({ accepted: 0, delivered: 0, failed: 0, awaiting_report: 0, verified: 0, by_hour: hours() }),
      ),
    );
    expect(await within(card).findByText('No OTP was sent in the last 24 hours.')).toBeInTheDocument();
    expect(within(card).queryByRole('list', { name: 'Funnel' })).not.toBeInTheDocument();
  });

  it('fills as reports arrive: Refresh shows the delivery 2Factor reported since', async () => {
    let answer = funnel({
      accepted: 1,
      delivered: 0,
      failed: 0,
      awaiting_report: 1,
      verified: 0,
      failure_reasons: [],
      by_hour: hours({ 10: [1, 0, 0, 0] }),
    });
    const { card } = renderCard(() => jsonResponse(200, answer));
    const user = userEvent.setup();
    expect(await within(card).findByText('Awaiting a report', { selector: 'dt' })).toBeInTheDocument();
    expect(figure(card, 'Awaiting a report')).toHaveTextContent('1');
    answer = {
      ...answer,
      delivered: 1,
      awaiting_report: 0,
      delivery_time_ms: { p50: 1_500, p95: 1_500 },
      by_hour: hours({ 10: [1, 1, 0, 0] }),
    };
    await user.click(within(card).getByRole('button', { name: 'Refresh' }));
    await expect.poll(() => figure(card, 'Awaiting a report')?.textContent).toBe('0');
    expect(within(within(card).getByRole('list', { name: 'Funnel' })).getAllByRole('listitem')[1]).toHaveTextContent(
      /Delivered\s*1 · 100% of accepted/,
    );
  });

  it('says so when the funnel cannot be loaded, and tries again on request', async () => {
    let fail = true;
    const { card } = renderCard(() =>
      fail
        ? jsonResponse(403, { status: 'forbidden', message: 'Only admins can see this.' })
        : jsonResponse(200, funnel()),
    );
    const user = userEvent.setup();
    expect(await within(card).findByText('The delivery funnel could not be loaded')).toBeInTheDocument();
    expect(within(card).getByText('Only admins can see this.')).toBeInTheDocument();
    fail = false;
    await user.click(within(card).getByRole('button', { name: 'Try again' }));
    expect(await within(card).findByRole('list', { name: 'Funnel' })).toBeInTheDocument();
  });
});
