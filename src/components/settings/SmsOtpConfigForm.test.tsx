import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { TEMPLATE_NAME_HINT, type SmsConfigView } from '../../../common/api/sms.js';
import { SmsOtpConfigForm } from '@/components/settings/SmsOtpConfigForm';
import { jsonResponse, meRoute, stubFetch, USERS, type FakeHandler, type RecordedRequest } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';

const SAVED: SmsConfigView = {
  api_key_set: true,
  api_key_masked: '••••••••3f9a',
  sender_id: 'OTPSMS',
  template_name: 'LoginOTP',
  mode: 'autogen',
  sandbox: false,
};

function renderForm(routes: Record<string, FakeHandler> = {}, config: SmsConfigView = SAVED) {
  const server = stubFetch({
    ...meRoute(USERS.admin),
    'GET /api/sms/config': () => jsonResponse(200, config),
    ...routes,
  });
  return { ...server, ...renderRoutes([{ path: '/', element: <SmsOtpConfigForm /> }]) };
}

const puts = (requests: RecordedRequest[]) => requests.filter((r) => r.method === 'PUT');

describe('SmsOtpConfigForm', () => {
  it('shows the saved key only in its masked form, never in the field', async () => {
    renderForm();

    const key = await screen.findByLabelText('API key');
    expect(key).toHaveValue('');
    expect(key).toHaveAttribute('placeholder', '••••••••3f9a');
    expect(key).toHaveAttribute('type', 'password');
    expect(key).toHaveAccessibleDescription(expect.stringContaining('Saved key: ••••••••3f9a.'));
    expect(screen.getByLabelText('Sender ID')).toHaveValue('OTPSMS');
    expect(screen.getByLabelText('Sender ID')).toHaveAttribute('readonly');
    expect(screen.getByLabelText('Template name')).toHaveValue('LoginOTP');
    expect(screen.getByRole('combobox', { name: 'Mode' })).toHaveValue('autogen');
    expect(screen.queryByText('Sandbox')).not.toBeInTheDocument();
  });

  it('sends only a typed key, then empties the field and shows the new masked form', async () => {
    const newKey = 'a1b2c3d4-0000-4e5f-9a9a-1234567890ab';
    const { requests } = renderForm({
      'PUT /api/sms/config': () => jsonResponse(200, { ...SAVED, api_key_masked: '••••••••90ab' }),
    });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('API key'), newKey);
    await user.click(screen.getByRole('button', { name: 'Show API key' }));
    expect(screen.getByLabelText('API key')).toHaveAttribute('type', 'text');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(await screen.findByText('Settings saved. The new API key is in use.')).toBeInTheDocument();
    const [put] = puts(requests);
    expect(put?.body).toEqual({ api_key: newKey });
    expect(put?.headers.get('Content-Type')).toBe('application/json');
    const key = screen.getByLabelText('API key');
    expect(key).toHaveValue('');
    expect(key).toHaveAttribute('type', 'password');
    expect(key).toHaveAttribute('placeholder', '••••••••90ab');
    expect(screen.queryByDisplayValue(newKey)).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(newKey);
  });

  it('sends only the fields that changed, trimmed', async () => {
    const { requests } = renderForm({
      'PUT /api/sms/config': (request) => jsonResponse(200, { ...SAVED, ...(request.body as object) }),
    });
    const user = userEvent.setup();

    const template = await screen.findByLabelText('Template name');
    await user.clear(template);
    await user.type(template, '  OTP_Template-2 ');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Mode' }), 'template');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(await screen.findByText('Settings saved.')).toBeInTheDocument();
    expect(puts(requests).map((r) => r.body)).toEqual([{ template_name: 'OTP_Template-2', mode: 'template' }]);
    expect(screen.getByLabelText('Template name')).toHaveValue('OTP_Template-2');
  });

  it('says so instead of sending when nothing changed', async () => {
    const { requests } = renderForm();
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Save' }));

    expect(await screen.findByText('Nothing to save: no field was changed.')).toBeInTheDocument();
    expect(puts(requests)).toHaveLength(0);
  });

  it('validates the key and the template name before asking the server', async () => {
    const { requests } = renderForm();
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('API key'), 'not a key!');
    await user.clear(screen.getByLabelText('Template name'));
    await user.click(screen.getByRole('button', { name: 'Save' }));

    const alerts = await screen.findAllByRole('alert');
    expect(alerts.map((alert) => alert.textContent)).toEqual([
      'The API key has only letters, digits and dashes.',
      'Enter the template name.',
    ]);
    expect(screen.getByLabelText('API key')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('API key')).toHaveFocus();
    expect(screen.getByLabelText('Template name')).toHaveAccessibleDescription(
      expect.stringContaining('Enter the template name.'),
    );

    await user.clear(screen.getByLabelText('API key'));
    await user.type(screen.getByLabelText('API key'), 'short');
    await user.type(screen.getByLabelText('Template name'), 'bad/name');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect((await screen.findAllByRole('alert')).map((alert) => alert.textContent)).toEqual([
      'The API key looks too short.',
      TEMPLATE_NAME_HINT,
    ]);
    expect(puts(requests)).toHaveLength(0);
  });

  it('never sends the masked key back, even when it is pasted into the field', async () => {
    const { requests } = renderForm();
    const user = userEvent.setup();

    await user.click(await screen.findByLabelText('API key'));
    await user.paste('••••••••3f9a');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('The API key has only letters, digits and dashes.');
    expect(puts(requests)).toHaveLength(0);
  });

  it("puts the server's per-field issues under the fields", async () => {
    renderForm({
      'PUT /api/sms/config': () =>
        jsonResponse(400, {
          status: 'invalid_request',
          message: 'Check the highlighted fields.',
          issues: [{ path: 'template_name', message: 'No such template in your 2Factor account.' }],
        }),
    });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Template name'), 'X');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('No such template in your 2Factor account.');
    expect(screen.getByLabelText('Template name')).toHaveAttribute('aria-invalid', 'true');
  });

  it('shows a failed save clearly', async () => {
    renderForm({
      'PUT /api/sms/config': () => jsonResponse(403, { status: 'forbidden', message: 'Only admins can change SMS settings.' }),
    });
    const user = userEvent.setup();

    await user.selectOptions(await screen.findByRole('combobox', { name: 'Mode' }), 'template');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Not saved');
    expect(alert).toHaveTextContent('Only admins can change SMS settings.');
  });

  it('shows the balance when the connection test passes', async () => {
    const { requests } = renderForm({
      'POST /api/sms/config/test': () => jsonResponse(200, { ok: true, balance: '1234', message: 'API key accepted.' }),
    });
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Test connection' }));

    const result = await screen.findByText('Connection OK');
    const status = result.closest('[role="status"]') as HTMLElement;
    expect(within(status).getByText('Balance: 1234')).toBeInTheDocument();
    expect(within(status).getByText('API key accepted.')).toBeInTheDocument();
    const test = requests.find((r) => r.path === '/api/sms/config/test');
    expect(test).toMatchObject({ method: 'POST', rawBody: '{}' });
  });

  it('shows the reason when the connection test fails', async () => {
    renderForm({
      'POST /api/sms/config/test': () => jsonResponse(200, { ok: false, message: 'Invalid API key.' }),
    });
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Test connection' }));

    expect(await screen.findByText('Connection failed')).toBeInTheDocument();
    expect(screen.getByText('Invalid API key.')).toBeInTheDocument();
  });

  it('shows a Sandbox badge and what it means when the app runs in sandbox mode', async () => {
    renderForm({}, { ...SAVED, api_key_set: false, api_key_masked: null, sandbox: true });

    expect(await screen.findByText('Sandbox')).toBeInTheDocument();
    expect(
      screen.getByText('Sandbox mode: codes are simulated and no SMS is sent until an API key is saved.'),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('API key')).toHaveAttribute('placeholder', 'Paste your 2Factor API key');
  });

  it('tells how to fix OTPs that arrive as voice calls', async () => {
    renderForm();

    expect(await screen.findByText(/If OTPs arrive as voice calls/)).toHaveTextContent(/map them in your 2Factor account/);
  });

  it('offers a retry when the settings cannot be loaded', async () => {
    renderForm({ 'GET /api/sms/config': () => jsonResponse(503, { status: 'database_unavailable', message: 'Try again soon.' }) });

    expect(await screen.findByRole('alert')).toHaveTextContent('The SMS settings could not be loaded');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
