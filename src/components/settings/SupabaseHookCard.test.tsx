import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { SupabaseHookView } from '../../../common/api/supabaseHook.js';
import { SupabaseHookCard } from '@/components/settings/SupabaseHookCard';
import { jsonResponse, meRoute, stubFetch, USERS } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';

const URL_TO_PASTE = 'https://otp.example.com/api/hooks/supabase/send-sms';

function renderHookCard(view: SupabaseHookView | { status: number; body: unknown }) {
  const server = stubFetch({
    ...meRoute(USERS.admin),
    'GET /api/sms/supabase-hook': () =>
      'enabled' in view ? jsonResponse(200, view) : jsonResponse(view.status, view.body),
  });
  renderRoutes([{ path: '/', element: <SupabaseHookCard /> }]);
  return { card: screen.getByRole('region', { name: 'Supabase Auth hook' }), server };
}

describe('SupabaseHookCard', () => {
  it('shows an enabled hook, the URL to paste and the last call with its time and result', async () => {
    const { card, server } = renderHookCard({
      enabled: true,
      url: URL_TO_PASTE,
      secrets: 1,
      last_call: { at: '2026-12-01T05:40:12.000Z', result: 'sent', http_status: 200 },
    });
    expect(await within(card).findByText('Enabled')).toBeInTheDocument();
    expect(within(card).getByLabelText('URL to paste into Supabase')).toHaveValue(URL_TO_PASTE);
    expect(within(card).getByLabelText('URL to paste into Supabase')).toHaveAttribute('readonly');
    expect(within(card).getByText('Last call')).toBeInTheDocument();
    expect(within(card).getByText('1 Dec 2026, 11:10:12 am IST')).toHaveAttribute(
      'datetime',
      '2026-12-01T05:40:12.000Z',
    );
    expect(within(card).getByText('SMS sent (answered 200)')).toBeInTheDocument();
    expect(within(card).queryByText(/SUPABASE_SMS_HOOK_SECRETS/)).not.toBeInTheDocument();
    expect(server.requests.filter((request) => request.path === '/api/sms/supabase-hook')).toHaveLength(1);
  });

  it('copies the URL to the clipboard and says so', async () => {
    const user = userEvent.setup();
    const { card } = renderHookCard({ enabled: true, url: URL_TO_PASTE, secrets: 1, last_call: null });
    await user.click(await within(card).findByRole('button', { name: 'Copy the hook URL' }));
    expect(await navigator.clipboard.readText()).toBe(URL_TO_PASTE);
    expect(within(card).getByRole('status')).toHaveTextContent('Hook URL copied.');
  });

  it('tells the admin to copy by hand when the browser refuses the clipboard', async () => {
    const user = userEvent.setup();
    vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new DOMException('denied', 'NotAllowedError'));
    const { card } = renderHookCard({ enabled: true, url: URL_TO_PASTE, secrets: 1, last_call: null });
    await user.click(await within(card).findByRole('button', { name: 'Copy the hook URL' }));
    expect(await within(card).findByRole('status')).toHaveTextContent(/copy it by hand/);
  });

  it('says what to set while the hook is off, and that Supabase has not called yet', async () => {
    const { card } = renderHookCard({ enabled: false, url: URL_TO_PASTE, secrets: 0, last_call: null });
    expect(await within(card).findByText('Not enabled')).toBeInTheDocument();
    expect(
      within(card).getByText(/Set SUPABASE_SMS_HOOK_SECRETS to the secret Supabase generates/),
    ).toBeInTheDocument();
    expect(within(card).getByLabelText('URL to paste into Supabase')).toHaveValue(URL_TO_PASTE);
    expect(within(card).getByText('No call from Supabase yet.')).toBeInTheDocument();
  });

  it('explains PUBLIC_URL when the server does not know its own address', async () => {
    const { card } = renderHookCard({ enabled: true, url: null, secrets: 1, last_call: null });
    expect(
      await within(card).findByText(/Set PUBLIC_URL to the address Supabase reaches this server at/),
    ).toBeInTheDocument();
    expect(within(card).getByText(/PUBLIC_URL \+ \/api\/hooks\/supabase\/send-sms/)).toBeInTheDocument();
    expect(within(card).queryByRole('button', { name: 'Copy the hook URL' })).not.toBeInTheDocument();
  });

  it('shows a rotation in progress and a refused call in the warning colour', async () => {
    const { card } = renderHookCard({
      enabled: true,
      url: URL_TO_PASTE,
      secrets: 2,
      last_call: { at: '2026-12-01T05:41:00.000Z', result: 'unauthorized', http_status: 401 },
    });
    expect(await within(card).findByText('2 secrets accepted while one is rotated out')).toBeInTheDocument();
    expect(within(card).getByText('Refused: bad or stale signature (check the secret) (answered 401)')).toHaveClass(
      'text-destructive',
    );
  });

  it('says so when the status cannot be read', async () => {
    const { card } = renderHookCard({ status: 403, body: { status: 'forbidden', message: 'Admins only.' } });
    expect(await within(card).findByText('The hook status is not available')).toBeInTheDocument();
    expect(within(card).getByText('Admins only.')).toBeInTheDocument();
  });
});
