import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { TEMPLATE_NAME_HINT, type SmsConfigView } from '../../../common/api/sms.js';
import { SmsOtpConfigForm } from '@/components/settings/SmsOtpConfigForm';
import { jsonResponse, meRoute, stubFetch, USERS, type FakeHandler, type RecordedRequest } from '@/test/fakeServer';

/** What the server answers once the saved key is gone and the sandbox is back. */
const SANDBOX: SmsConfigView = {
  ...{ api_key_set: false, api_key_masked: null, api_key_source: 'sandbox', api_key_source_without_saved: 'sandbox' },
  ...{ sender_id: 'OTPSMS', template_name: 'LoginOTP', mode: 'autogen', sandbox: true },
};
import { renderRoutes } from '@/test/renderRoutes';

const SAVED: SmsConfigView = {
  api_key_set: true,
  api_key_masked: '••••••••3f9a',
  api_key_source: 'saved',
  api_key_source_without_saved: 'sandbox',
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

/** The "Key in use: …" line. */
const keyInUse = () =>
  vi.waitFor(() => {
    const line = screen
      .queryAllByRole('paragraph')
      .find((paragraph) => paragraph.textContent?.startsWith('Key in use:'));
    if (!line) throw new Error('no "Key in use" line yet');
    return line;
  });

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

  it('checks only the fields that changed, and asks for a template name before template mode', async () => {
    const { requests } = renderForm(
      { 'PUT /api/sms/config': () => jsonResponse(200, { ...SAVED, template_name: '' }) },
      { ...SAVED, template_name: '' },
    );
    const user = userEvent.setup();

    await user.selectOptions(await screen.findByLabelText('Mode'), 'template');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('Template mode needs a template name.');
    expect(screen.getByLabelText('Template name')).toHaveFocus();
    expect(puts(requests)).toHaveLength(0);

    await user.selectOptions(screen.getByLabelText('Mode'), 'autogen');
    await user.type(screen.getByLabelText('API key'), 'a1b2c3d4-e5f6');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    await vi.waitFor(() => expect(puts(requests).map((r) => r.body)).toEqual([{ api_key: 'a1b2c3d4-e5f6' }]));
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
      'PUT /api/sms/config': () =>
        jsonResponse(403, { status: 'forbidden', message: 'Only admins can change SMS settings.' }),
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
    renderForm({}, SANDBOX);

    expect(await screen.findByText('Sandbox')).toBeInTheDocument();
    expect(await keyInUse()).toHaveTextContent('Key in use: the sandbox: codes are simulated and no SMS is sent');
    expect(screen.getByLabelText('API key')).toHaveAttribute('placeholder', 'Paste your 2Factor API key');
    expect(screen.queryByRole('button', { name: 'Remove saved key' })).not.toBeInTheDocument();
  });

  it.each([
    ['saved', SAVED, 'Key in use: the key saved here ••••••••3f9a', 'Saved key: ••••••••3f9a.'],
    [
      'environment',
      {
        ...SAVED,
        api_key_source: 'environment',
        api_key_source_without_saved: 'environment',
        api_key_masked: '••••••••1111',
      },
      "Key in use: the key set in the server's environment ••••••••1111",
      "The server's key is in use.",
    ],
    [
      'none',
      { ...SANDBOX, api_key_source: 'none', api_key_source_without_saved: 'none', sandbox: false },
      'Key in use: none: no SMS can be sent until a key is saved',
      'No API key yet: no SMS can be sent.',
    ],
  ] as const)('says which key is in use when it is %s', async (_source, config, inUse, hint) => {
    renderForm({}, config);

    expect(await keyInUse()).toHaveTextContent(inUse);
    expect(screen.getByLabelText('API key')).toHaveAccessibleDescription(expect.stringContaining(hint));
    expect(screen.queryAllByRole('button', { name: 'Remove saved key' })).toHaveLength(
      config.api_key_source === 'saved' ? 1 : 0,
    );
  });

  it('removes the saved key only after confirmation, then shows the key in use and moves focus to it', async () => {
    const { requests } = renderForm({ 'DELETE /api/sms/config/api_key': () => jsonResponse(200, SANDBOX) });
    const user = userEvent.setup();
    const deletes = () => requests.filter((r) => r.method === 'DELETE');

    await user.click(await screen.findByRole('button', { name: 'Remove saved key' }));
    let dialog = screen.getByRole('alertdialog', { name: 'Remove the saved API key?' });
    expect(dialog).toHaveAccessibleDescription(
      'The key ••••••••3f9a is deleted from the settings. The app goes back to the sandbox: codes are simulated and no SMS is sent.',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Keep it' }));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Remove saved key' })).toHaveFocus();
    expect(deletes()).toHaveLength(0);

    await user.keyboard('{Enter}');
    dialog = screen.getByRole('alertdialog', { name: 'Remove the saved API key?' });
    await user.click(within(dialog).getByRole('button', { name: 'Remove key' }));

    expect(
      await screen.findByText(
        'Saved key removed. Key in use now: the sandbox: codes are simulated and no SMS is sent.',
      ),
    ).toBeInTheDocument();
    expect(deletes()).toHaveLength(1);
    expect(deletes()[0]!.headers.get('Content-Type')).toBe('application/json');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Remove saved key' })).not.toBeInTheDocument();
    expect(screen.getByText('Sandbox')).toBeInTheDocument();
    expect(screen.getByLabelText('API key')).toHaveAttribute('placeholder', 'Paste your 2Factor API key');
    const line = await keyInUse();
    await vi.waitFor(() => expect(line).toHaveFocus());
  });

  it('keeps the dialog open with the reason when the key cannot be removed', async () => {
    renderForm({
      'DELETE /api/sms/config/api_key': () =>
        jsonResponse(503, { status: 'database_unavailable', message: 'The service is temporarily unavailable.' }),
    });
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Remove saved key' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Remove the saved API key?' });
    await user.click(within(dialog).getByRole('button', { name: 'Remove key' }));

    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'Not removed: The service is temporarily unavailable.',
    );
    expect(within(dialog).getByRole('button', { name: 'Remove key' })).toBeEnabled();
    await user.click(within(dialog).getByRole('button', { name: 'Keep it' }));
    expect(await keyInUse()).toHaveTextContent('the key saved here');
    expect(screen.getByRole('button', { name: 'Remove saved key' })).toBeInTheDocument();
  });

  it('tells how to fix OTPs that arrive as voice calls', async () => {
    renderForm();

    expect(await screen.findByText(/If OTPs arrive as voice calls/)).toHaveTextContent(
      /map them in your 2Factor account/,
    );
  });

  it('offers a retry when the settings cannot be loaded', async () => {
    renderForm({
      'GET /api/sms/config': () => jsonResponse(503, { status: 'database_unavailable', message: 'Try again soon.' }),
    });

    expect(await screen.findByRole('alert')).toHaveTextContent('The SMS settings could not be loaded');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
