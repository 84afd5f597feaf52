/**
 * Flow 12: the delivery funnel on Settings → SMS & OTP fills as 2Factor (the simulator, posting its callbacks to the
 * server's callback route like 2Factor does) reports deliveries: a send is accepted at once and awaits its report,
 * becomes delivered when the report arrives (the card refreshes by itself), verified once its code is checked; a
 * failed send shows its reason; a code delivered as a voice call raises the DLT warning. Screenshots at 375 and
 * 1280 px (test-results/screens/delivery-funnel-<width>.png and the card alone, delivery-funnel-card-<width>.png).
 *
 * Own stack: TWO_FACTOR_CALLBACK_TOKEN set, so the server takes reports.
 */
import path from 'node:path';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import {
  deliveryFunnel,
  logInByEmail,
  openSmsSettings,
  pageScrollWidth,
  sendTestOtp,
  testSender,
} from './support/ui.js';
import { USERS } from './support/users.js';

const CALLBACK_TOKEN = 'e2e-callback-7d3f1a9c-5b2e-4c8d-9e0f-a1b2c3d4e5f6';
test.use({ stackEnv: { TWO_FACTOR_CALLBACK_TOKEN: CALLBACK_TOKEN } });

/** From a send to its report: long enough to see the send awaiting its report first. */
const REPORT_DELAY_MS = 2_500;
/** The report's delay plus the card's 10 s refresh, with room for a busy machine. */
const REPORT_SEEN_MS = 30_000;
const PHONES = { delivered: '+919700000901', failed: '+919700000902', voice: '+919700000903' };
const WIDTHS = [375, 1280] as const;

async function shoot(page: Page, testInfo: TestInfo, name: string, clip?: Locator): Promise<void> {
  // From the top: a full-page shot taken scrolled down paints the sticky header over the middle.
  await page.evaluate('window.scrollTo(0, 0)');
  const file = path.join(testInfo.project.outputDir, 'screens', `${name}.png`);
  const body = await page.screenshot({
    fullPage: true,
    path: file,
    animations: 'disabled',
    ...(clip ? { clip: (await clip.boundingBox())! } : {}),
  });
  await testInfo.attach(`${name}.png`, { body, contentType: 'image/png' });
}

test('the delivery funnel fills as 2Factor reports deliveries, and warns when codes go out as voice calls', async ({
  page,
  simulator,
  stack,
}, testInfo) => {
  await simulator.setDeliveryReports({
    callbackUrl: `${stack.url}/api/sms/callbacks/2factor/${CALLBACK_TOKEN}`,
    delayMs: REPORT_DELAY_MS,
    mix: { delivered: 1, failed: 0, rejected: 0 },
    voiceInsteadOfSms: false,
  });
  await logInByEmail(page, USERS.admin);
  await openSmsSettings(page);
  const funnel = deliveryFunnel(page);
  const sender = testSender(page);

  await test.step('before any send: the last 24 hours are empty', async () => {
    await expect(funnel.tab('Last 24 hours')).toHaveAttribute('aria-selected', 'true');
    await expect(funnel.empty).toHaveText('No OTP was sent in the last 24 hours.');
    await expect(funnel.voiceWarning).toHaveCount(0);
  });

  await test.step('a send is accepted at once, delivered when 2Factor reports it, verified when its code is checked', async () => {
    const code = await sendTestOtp(page, simulator, PHONES.delivered);
    await expect(funnel.stage('Accepted by 2Factor')).toHaveText(/^Accepted by 2Factor\s*1$/);
    await expect(funnel.figure('Awaiting a report')).toHaveText('1');
    await expect(funnel.stage('Delivered')).toHaveText(/^Delivered\s*0 · 0% of accepted$/);

    // No click: the card refreshes by itself when the report has arrived.
    await expect(funnel.stage('Delivered')).toHaveText(/^Delivered\s*1 · 100% of accepted$/, {
      timeout: REPORT_SEEN_MS,
    });
    await expect(funnel.figure('Awaiting a report')).toHaveText('0');
    await expect(funnel.figure('Median (p50)')).toHaveText(/^\d+(\.\d)? s$/);

    await sender.code.fill(code);
    await sender.verify.click();
    await expect(sender.result).toContainText('Verify: succeeded');
    await expect(funnel.stage('Verified')).toHaveText(/^Verified\s*1 · 100% of accepted$/);
  });

  await test.step('a send 2Factor could not deliver counts as failed, with its reason', async () => {
    await simulator.setDeliveryReports({ mix: { delivered: 0, failed: 1, rejected: 0 } });
    await sendTestOtp(page, simulator, PHONES.failed);
    await expect(funnel.stage('Accepted by 2Factor')).toHaveText(/^Accepted by 2Factor\s*2$/);
    await expect(funnel.figure('Failed')).toHaveText('1', { timeout: REPORT_SEEN_MS });
    await expect(funnel.failureReasons).toHaveCount(1);
    await expect(funnel.failureReasons.first()).toHaveText(/^Not delivered\s*FAILED\s*1 · 100% of failures$/);
    await expect(funnel.stage('Delivered')).toHaveText(/^Delivered\s*1 · 50% of accepted$/);
  });

  await test.step('a code delivered as a voice call raises the DLT warning, with how to fix it', async () => {
    await simulator.setDeliveryReports({ mix: { delivered: 1, failed: 0, rejected: 0 }, voiceInsteadOfSms: true });
    await sendTestOtp(page, simulator, PHONES.voice);
    await expect(funnel.voiceWarning).toBeVisible({ timeout: REPORT_SEEN_MS });
    await expect(funnel.voiceWarning).toContainText(
      '1 code sent as SMS was delivered as a voice call in the last 7 days',
    );
    await expect(funnel.voiceWarning).toContainText('the DLT template or sender is not mapped in your 2Factor account');
    await expect(funnel.voiceWarning.getByRole('listitem')).toHaveCount(3);
    await expect(funnel.figure('As a voice call')).toHaveText('1');
    await expect(funnel.stage('Delivered')).toHaveText(/^Delivered\s*2 · 67% of accepted$/);
    const hours = funnel.byHour.getByRole('row');
    // A header row and at least the hour of these sends (two if the test ran across an hour boundary).
    expect(await hours.count()).toBeGreaterThanOrEqual(2);
  });

  await test.step('the last 7 days hold the same three sends', async () => {
    await funnel.tab('Last 7 days').click();
    await expect(funnel.tab('Last 7 days')).toHaveAttribute('aria-selected', 'true');
    await expect(funnel.stage('Accepted by 2Factor')).toHaveText(/^Accepted by 2Factor\s*3$/);
    await funnel.tab('Last 24 hours').click();
    await expect(funnel.stage('Accepted by 2Factor')).toHaveText(/^Accepted by 2Factor\s*3$/);
  });

  await test.step('every report reached the server, and the server kept the token out of its answers to the page', async () => {
    expect(await simulator.deliveryReports()).toMatchObject({ posted: 3, failed: 0, pending: 0 });
    expect(await page.content()).not.toContain(CALLBACK_TOKEN);
  });

  await test.step('screens at 375 and 1280 px: nothing scrolls sideways', async () => {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: width < 768 ? 812 : 800 });
      await expect(funnel.stage('Verified')).toBeVisible();
      expect(await pageScrollWidth(page), `document width at ${width} px`).toBeLessThanOrEqual(width);
      const cardBox = (await funnel.region.boundingBox())!;
      expect(cardBox.width, `card width at ${width} px`).toBeLessThanOrEqual(width);
      await shoot(page, testInfo, `delivery-funnel-${width}`);
      await shoot(page, testInfo, `delivery-funnel-card-${width}`, funnel.region);
    }
  });
});
