/**
 * Flow 6: OTP logs persist. Rows written before the server restarts (SIGTERM: it drains and commits) are
 * still in Logs Preview when a new server process opens the same database; and it keeps logging afterwards.
 */
import { expect, test } from './support/fixtures.js';
import { logInByEmail, logsPreview, openSmsSettings, sendTestOtp, testSender } from './support/ui.js';
import { USERS } from './support/users.js';

const PHONE_BEFORE = '+919700000601';
const PHONE_AFTER = '+919700000602';

test('log rows written before a server restart are still in Logs Preview after it', async ({
  page,
  simulator,
  stack,
}) => {
  await logInByEmail(page, USERS.admin);
  await openSmsSettings(page);
  const sender = testSender(page);
  const logs = logsPreview(page);

  await test.step('send and verify a test OTP; both rows are listed', async () => {
    const code = await sendTestOtp(page, simulator, PHONE_BEFORE);
    await sender.code.fill(code);
    await sender.verify.click();
    await expect(sender.result).toContainText('Verify: succeeded');
    await logs.refresh.click();
    await expect(logs.rows(PHONE_BEFORE, 'autogen', 'sent')).toHaveCount(1);
    await expect(logs.rows(PHONE_BEFORE, 'verify', 'verified')).toHaveCount(1);
  });

  await test.step('restart the server on the same database', async () => {
    const pidBefore = stack.serverPid;
    await stack.restartServer();
    expect(stack.serverPid, 'a new server process').not.toBe(pidBefore);
  });

  await test.step('after a reload the earlier rows are still there (and the session too)', async () => {
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'SMS & OTP' })).toBeVisible();
    await expect(logs.rows(PHONE_BEFORE, 'autogen', 'sent')).toHaveCount(1);
    await expect(logs.rows(PHONE_BEFORE, 'verify', 'verified')).toHaveCount(1);
  });

  await test.step('the restarted server logs new calls next to the old ones', async () => {
    await sendTestOtp(page, simulator, PHONE_AFTER);
    await logs.refresh.click();
    await expect(logs.rows(PHONE_AFTER, 'autogen', 'sent')).toHaveCount(1);
    await expect(logs.rows(PHONE_BEFORE, 'autogen', 'sent')).toHaveCount(1);
  });
});
