/**
 * Flow 13: money and watch, in production mode with test numbers allowed (SMS_TEST_NUMBERS_IN_PRODUCTION=true,
 * as for an app store review) and screenshots at 375 and 1280 px (test-results/screens/money-<width>.png):
 * - a test number logs its owner in with the fixed code, and 2Factor (the simulator) receives nothing;
 * - Settings → SMS & OTP warns that test numbers are active in production, shows the balance one server polled
 *   (under SMS_BALANCE_ALERT_BELOW: a warning) beside today's SMS, and lists a save in the settings history;
 * - GET /metrics answers Prometheus text with the bearer token only.
 *
 * Own stack (test numbers, an alert threshold above the simulator's balance, a metrics token).
 */
import path from 'node:path';
import { expect, test } from './support/fixtures.js';
import {
  expectRoleHome,
  logInByEmail,
  openPhoneTab,
  openSmsSettings,
  pageScrollWidth,
  typedNational,
} from './support/ui.js';
import { USERS } from './support/users.js';

const TEST_CODE = '246810';
const METRICS_TOKEN = 'e2e-metrics-token-0123456789abcdef-00';
const TEST_PHONE = USERS.agent.phone;
/** The first balance poll follows the server's start by a few seconds; on a busy machine, by more. */
const FIRST_BALANCE_POLL_WAIT_MS = 60_000;
/** One look at the reloaded page, before it is reloaded again. */
const BALANCE_LOOK_MS = 2_000;
test.use({
  stackEnv: {
    SMS_TEST_NUMBERS: `${TEST_PHONE}:${TEST_CODE}`,
    SMS_TEST_NUMBERS_IN_PRODUCTION: 'true',
    SMS_BALANCE_ALERT_BELOW: '1000',
    METRICS_TOKEN,
  },
});

test('a test number logs its owner in with the fixed code, and no SMS reaches 2Factor', async ({ page, simulator }) => {
  const sendsBefore = (await simulator.stats()).byKind.autogen ?? 0;
  await openPhoneTab(page);
  await page.getByRole('textbox', { name: 'Mobile number' }).fill(typedNational(TEST_PHONE));
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.getByRole('textbox', { name: 'One-time code' }).fill(TEST_CODE);
  await page.getByRole('button', { name: 'Verify and log in' }).click();
  await expectRoleHome(page, USERS.agent);
  expect(await simulator.outbox(TEST_PHONE)).toEqual([]);
  expect((await simulator.stats()).byKind.autogen ?? 0).toBe(sendsBefore);
});

test('Settings shows the balance, the test numbers and the settings history, at 375 and 1280 px', async ({
  page,
}, testInfo) => {
  await logInByEmail(page, USERS.admin);
  await openSmsSettings(page);

  await test.step('test numbers: a loud notice in production, the number masked', async () => {
    const notice = page.getByRole('status').filter({ hasText: 'Test numbers are active in production' });
    await expect(notice).toContainText(`+91******${TEST_PHONE.slice(-4)}`);
    await expect(notice).not.toContainText(TEST_CODE);
  });

  const balance = page.getByRole('region', { name: 'SMS balance' });
  await test.step('the balance one server polled (the first poll follows the start by a few seconds), under the threshold', async () => {
    await expect(async () => {
      await page.reload();
      await expect(balance.getByRole('region', { name: 'OTP SMS' })).toContainText('500 credits left', {
        timeout: BALANCE_LOOK_MS,
      });
    }).toPass({ timeout: FIRST_BALANCE_POLL_WAIT_MS });
    await expect(balance.getByRole('alert')).toContainText(
      'OTP SMS has 500 credits left, under the alert threshold of 1,000',
    );
    await expect(page.getByRole('region', { name: "Today's SMS" })).toBeVisible();
  });

  await test.step('a saved setting appears in the history with who saved it', async () => {
    const config = page.getByRole('region', { name: 'API Configuration' });
    await config.getByLabel('Template name').fill('Money_Watch_OTP');
    await config.getByRole('button', { name: 'Save' }).click();
    await expect(config.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
    const history = page.getByRole('region', { name: 'Settings history' });
    await expect(history.getByRole('listitem').first()).toContainText(`Template name changed by ${USERS.admin.email}`);
  });

  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: width < 768 ? 812 : 800 });
    expect(await pageScrollWidth(page), `document width at ${width} px`).toBeLessThanOrEqual(width);
    await page.evaluate('window.scrollTo(0, 0)');
    const file = path.join(testInfo.project.outputDir, 'screens', `money-${width}.png`);
    const body = await page.screenshot({ fullPage: true, path: file, animations: 'disabled' });
    await testInfo.attach(`money-${width}.png`, { body, contentType: 'image/png' });
  }
});

test('GET /metrics answers Prometheus text with the bearer token, and 401 without', async ({ request }) => {
  await request.post('/api/sms/sendOtp', { data: { phone: TEST_PHONE } });
  expect((await request.get('/metrics')).status()).toBe(401);
  expect((await request.get('/metrics', { headers: { Authorization: `Bearer ${METRICS_TOKEN}x` } })).status()).toBe(
    401,
  );
  await expect(async () => {
    const res = await request.get('/metrics', { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status()).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^otp_sends_total\{purpose="login",outcome="test_number"\} [1-9]\d*$/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    // The first balance poll follows the start by a few seconds.
    expect(text).toMatch(/^sms_balance\{account="otp_sms"\} 500$/m);
  }).toPass({ timeout: FIRST_BALANCE_POLL_WAIT_MS });
});
