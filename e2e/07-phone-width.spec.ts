/**
 * Flow 7: at 375 px wide (a small phone), nothing overflows sideways on the login page (both tabs), a role
 * page and Settings → SMS & OTP (with log entries, listed as stacked rows). A full-page screenshot
 * of each is attached to the report and saved under test-results/screens/.
 */
import path from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import {
  logInByEmail,
  logOut,
  logsPreview,
  openSmsSettings,
  pageScrollWidth,
  requestLoginCode,
  sendTestOtp,
  testSender,
} from './support/ui.js';
import { USERS } from './support/users.js';

const WIDTH = 375;
test.use({ viewport: { width: WIDTH, height: 812 } });

/** Checks the page does not scroll sideways, then saves and attaches a full-page screenshot. */
async function checkScreen(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  expect(await pageScrollWidth(page), `${name}: document width at ${WIDTH} px`).toBeLessThanOrEqual(WIDTH);
  const file = path.join(testInfo.project.outputDir, 'screens', `${name}.png`);
  const body = await page.screenshot({ fullPage: true, path: file, animations: 'disabled' });
  await testInfo.attach(`${name}.png`, { body, contentType: 'image/png' });
}

test('the login page, a role page and the settings page fit a 375 px screen', async ({ page, simulator }, testInfo) => {
  await test.step('login, Email tab', async () => {
    await page.goto('/login');
    await expect(page.getByRole('textbox', { name: 'Email' })).toBeVisible();
    await checkScreen(page, testInfo, 'login-email');
  });

  await test.step('login, Phone tab', async () => {
    await page.getByRole('tab', { name: 'Phone' }).click();
    await expect(page.getByRole('textbox', { name: 'Mobile number' })).toBeVisible();
    await checkScreen(page, testInfo, 'login-phone');
  });

  await test.step('login, Phone tab, code step', async () => {
    const code = await requestLoginCode(page, simulator, USERS.agent.phone);
    await expect(page.getByRole('button', { name: 'Resend code' })).toBeVisible();
    await checkScreen(page, testInfo, 'login-phone-code');
    await page.getByRole('textbox', { name: 'One-time code' }).fill(code);
    await page.getByRole('button', { name: 'Verify and log in' }).click();
  });

  await test.step('a role page, menu folded and open', async () => {
    await expect(page).toHaveURL((url) => url.pathname === USERS.agent.home);
    await expect(page.getByRole('heading', { level: 1, name: USERS.agent.homeHeading })).toBeVisible();
    await checkScreen(page, testInfo, 'role-page-agent');
    await page.getByRole('button', { name: 'Open menu' }).click();
    await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
    await checkScreen(page, testInfo, 'role-page-agent-menu');
    await page.getByRole('button', { name: 'Close menu' }).click();
    await logOut(page);
  });

  await test.step('Settings → SMS & OTP with a test OTP and its log rows', async () => {
    const phone = '+919700000701';
    await logInByEmail(page, USERS.admin);
    await openSmsSettings(page);
    const sender = testSender(page);
    const code = await sendTestOtp(page, simulator, phone);
    await sender.code.fill(code);
    await sender.verify.click();
    await expect(sender.result).toContainText('Verify: succeeded');
    const logs = logsPreview(page);
    await logs.refresh.click();
    await expect(logs.rows(phone, 'verify', 'verified')).toHaveCount(1);
    await checkScreen(page, testInfo, 'settings-sms-otp');
  });
});
