/**
 * Flow 10: getting back to the sandbox. A development server without TWO_FACTOR_API_KEY starts in the sandbox;
 * an admin saves a key 2Factor refuses (the sandbox is gone: the connection test fails, and a restarted
 * server says at startup that the saved key is in use), then removes the saved key after confirming, and the
 * sandbox is back: the page says so and the connection test passes.
 */
import { expect, test } from './support/fixtures.js';
import { logInByEmail, openSmsSettings, typedNational, testSender } from './support/ui.js';
import { USERS } from './support/users.js';

/** Neither the 2Factor simulator nor anyone else accepts this key. */
const REFUSED_KEY = 'e2e-refused-key-5d1c-0a7e';

test.use({ stackEnv: { NODE_ENV: 'development', TWO_FACTOR_API_KEY: '', DEMO_USERS: 'false' } });

/** The `smsApiKey` of the server's startup line (`listening on …`). */
function startupKeySource(serverOutput: string): string | undefined {
  const line = serverOutput.split('\n').find((text) => text.includes('listening on http'));
  return line ? (JSON.parse(line) as { smsApiKey?: string }).smsApiKey : undefined;
}

test('an admin removes the saved API key and the sandbox is back', async ({ page, simulator, stack }) => {
  await logInByEmail(page, USERS.admin);
  await openSmsSettings(page);
  const config = page.getByRole('region', { name: 'API Configuration' });
  const keyInUse = config.getByRole('paragraph').filter({ hasText: /^Key in use:/ });
  const sandboxBadge = config.getByText('Sandbox', { exact: true });
  const testConnection = config.getByRole('button', { name: 'Test connection' });

  await test.step('the sandbox is in use at first', async () => {
    expect(startupKeySource(stack.serverOutput())).toBe('sandbox');
    await expect(keyInUse).toContainText('the sandbox');
    await expect(sandboxBadge).toBeVisible();
    await expect(config.getByRole('button', { name: 'Remove saved key' })).toHaveCount(0);
  });

  await test.step('saving a key ends the sandbox', async () => {
    await config.getByLabel('API key', { exact: true }).fill(REFUSED_KEY);
    await config.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(
      config.getByRole('status').filter({ hasText: 'Settings saved. The new API key is in use.' }),
    ).toBeVisible();
    await expect(keyInUse).toContainText('the key saved here');
    await expect(sandboxBadge).toHaveCount(0);
    await testConnection.click();
    await expect(config.getByRole('status').filter({ hasText: 'Connection failed' })).toContainText('Invalid API Key');

    await stack.restartServer();
    expect(startupKeySource(stack.serverOutput())).toBe('saved');
    await page.reload();
    await expect(keyInUse).toContainText('the key saved here');
  });

  await test.step('removing the saved key, after confirming, brings the sandbox back', async () => {
    await config.getByRole('button', { name: 'Remove saved key' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Remove the saved API key?' });
    await expect(dialog).toContainText('The app goes back to the sandbox');
    await dialog.getByRole('button', { name: 'Remove key' }).click();
    await expect(dialog).toBeHidden();
    await expect(config.getByRole('status').filter({ hasText: 'Saved key removed.' })).toContainText(
      'Key in use now: the sandbox',
    );
    await expect(keyInUse).toContainText('the sandbox');
    await expect(keyInUse).toBeFocused();
    await expect(sandboxBadge).toBeVisible();

    await testConnection.click();
    await expect(config.getByRole('status').filter({ hasText: 'Connection OK' })).toContainText('sandbox simulator');
  });

  await test.step('after a reload the sandbox is still in use, and a test send is simulated, not sent', async () => {
    await page.reload();
    await expect(keyInUse).toContainText('the sandbox');
    const sender = testSender(page);
    await sender.phone.fill(typedNational('+919700000901'));
    await sender.send.click();
    await expect(sender.result).toContainText('Send: succeeded');
    // The sandbox answered: nothing reached 2Factor (here, the stack's simulator).
    expect(await simulator.otpCount('+919700000901')).toBe(0);
  });
});
