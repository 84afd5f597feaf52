/**
 * Flow 1: an admin logs in by email, opens Settings → SMS & OTP from the navigation, saves a 2Factor API key
 * (and from then on sees it only masked), sends a test OTP, types the code the simulator delivered, sees it
 * verified, and finds both provider calls (the send and the verify) in Logs Preview.
 */
import { expect, test } from './support/fixtures.js';
import { ENV_API_KEY, SAVED_API_KEY } from './support/stack.js';
import { logInByEmail, logsPreview, openSmsSettings, sendTestOtp, testSender } from './support/ui.js';
import { USERS } from './support/users.js';

const PHONE = '+919700000101';
const MASKED_SAVED_KEY = `${'•'.repeat(8)}${SAVED_API_KEY.slice(-4)}`;

test('an admin saves the API key, sees it only masked, sends and verifies a test OTP, and finds both log rows', async ({
  page,
  simulator,
}) => {
  await logInByEmail(page, USERS.admin);
  await openSmsSettings(page);

  const config = page.getByRole('region', { name: 'API Configuration' });
  const apiKey = config.getByLabel('API key', { exact: true });
  const showKey = config.getByRole('button', { name: 'Show API key' });
  await expect(config.getByRole('textbox', { name: 'Sender ID' })).not.toBeEditable();
  await expect(config.getByRole('textbox', { name: 'Template name' })).toBeEditable();
  await expect(config.getByRole('combobox', { name: 'Mode' })).toHaveValue('autogen');

  await test.step('save a new API key', async () => {
    await apiKey.fill(SAVED_API_KEY);
    await expect(apiKey).toHaveAttribute('type', 'password');
    await config.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(
      config.getByRole('status').filter({ hasText: 'Settings saved. The new API key is in use.' }),
    ).toBeVisible();
  });

  await test.step('the saved key shows only masked, here and after a reload', async () => {
    for (const when of ['after saving', 'after a reload']) {
      if (when === 'after a reload') {
        const configAnswer = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/sms/config');
        await page.reload();
        const body = await (await configAnswer).text();
        expect(body, 'GET /api/sms/config').not.toContain(SAVED_API_KEY);
        expect(body, 'GET /api/sms/config').toContain(MASKED_SAVED_KEY);
      }
      await expect(apiKey, when).toHaveValue('');
      await expect(apiKey, when).toHaveAttribute('placeholder', MASKED_SAVED_KEY);
      await expect(apiKey, when).toHaveAccessibleDescription(new RegExp(`Saved key: ${MASKED_SAVED_KEY}\\.`));
      await showKey.click();
      await expect(showKey).toHaveAttribute('aria-pressed', 'true');
      await expect(apiKey, `${when}, shown`).toHaveValue('');
      const html = await page.content();
      expect(html.includes(SAVED_API_KEY), `the plaintext key is nowhere in the page ${when}`).toBe(false);
      expect(html.includes(ENV_API_KEY), `the environment's key is nowhere in the page ${when}`).toBe(false);
      await showKey.click();
    }
  });

  await test.step('the connection test reaches 2Factor with the saved key', async () => {
    await config.getByRole('button', { name: 'Test connection' }).click();
    const result = config.getByRole('status').filter({ hasText: 'Connection OK' });
    await expect(result).toBeVisible();
    await expect(result).toContainText('Balance: 500');
  });

  const sender = testSender(page);
  await test.step('send a test OTP and verify the delivered code', async () => {
    const code = await sendTestOtp(page, simulator, PHONE);
    await expect(sender.resultValues.first()).toHaveText('sent');
    await sender.code.fill(code);
    await sender.verify.click();
    await expect(sender.result).toContainText('Verify: succeeded');
    await expect(sender.resultValues.first()).toHaveText('verified');
    await expect(sender.verify).toBeDisabled();
  });

  await test.step('Logs Preview lists the send and the verify', async () => {
    const logs = logsPreview(page);
    await logs.refresh.click();
    await expect(logs.rows(PHONE, 'autogen', 'sent')).toHaveCount(1);
    await expect(logs.rows(PHONE, 'verify', 'verified')).toHaveCount(1);

    const sendRow = logs.rows(PHONE, 'autogen', 'sent');
    const details = sendRow.getByRole('button', { name: 'Details' });
    await details.click();
    await expect(details).toHaveAttribute('aria-expanded', 'true');
    const providerAnswer = logs.table.getByRole('row').filter({ hasText: 'Provider answer' }).filter({ visible: true });
    await expect(providerAnswer).toHaveCount(1);
    await expect(providerAnswer).not.toContainText(SAVED_API_KEY);
  });
});
