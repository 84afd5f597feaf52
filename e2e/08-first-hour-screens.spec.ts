/**
 * Flow 8: what a newcomer meets in the first hour, checked in the browser and saved as screenshots at 375 and
 * 1280 px (test-results/screens/<name>-<width>.png, attached to the report):
 * - logged out: no error in the console (GET /api/auth/me answers `{ user: null }`), Tab goes from the login
 *   tabs straight to the field, and the +91 prefix reads at 4.5:1 or more in the browser's own colours;
 * - Settings: the Mode select shows its whole option text at 1280 px; the Test Sender names 2Factor's refusal
 *   without a rate-limit countdown; Logs Preview keeps delivery health apart from code checks, lists stacked
 *   rows on a phone (no sideways scroll; status, type, phone and time in each) and names an empty filter;
 * - phone login: once the code has expired, Verify is off and Resend on;
 * - email login: after too many failed logins the form counts the wait down with Log in disabled.
 *
 * Own stack: 3 failed email logins per 15 minutes (the last step spends them).
 */
import path from 'node:path';
import Color from 'colorjs.io';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { SAVED_API_KEY } from './support/stack.js';
import { wrongCodeFor } from './support/simulator.js';
import {
  logInByEmail,
  logOut,
  logsPreview,
  maskPhone,
  openPhoneTab,
  openSmsSettings,
  pageScrollWidth,
  requestLoginCode,
  sendTestOtp,
  testSender,
  typedNational,
} from './support/ui.js';
import { USERS } from './support/users.js';

const FAILED_LOGINS_ALLOWED = 3;
test.use({ stackEnv: { LOGIN_RATE_LIMIT_PER_15_MIN: String(FAILED_LOGINS_ALLOWED) } });

const WIDTHS = [375, 1280] as const;
/** A key the simulator does not know: it answers `Invalid API Key`, as 2Factor does. */
const REFUSED_API_KEY = 'e2e-refused-key-0000-9999';
const PHONE = '+919700000801';

/** A screenshot of one card, cut from the full page (scrolled to it, the sticky header would cover its top). */
async function saveCardShot(page: Page, testInfo: TestInfo, name: string, card: Locator): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  const clip = (await card.boundingBox())!;
  const file = path.join(testInfo.project.outputDir, 'screens', `${name}.png`);
  const body = await page.screenshot({ fullPage: true, clip, path: file, animations: 'disabled' });
  await testInfo.attach(`${name}.png`, { body, contentType: 'image/png' });
}

/** At each width: the page does not scroll sideways; a full-page screenshot is saved and attached. */
async function screens(
  page: Page,
  testInfo: TestInfo,
  name: string,
  atWidth?: (width: number) => Promise<void>,
): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width < 768 ? 812 : 800 });
    await atWidth?.(width);
    expect(await pageScrollWidth(page), `${name}: document width at ${width} px`).toBeLessThanOrEqual(width);
    // From the top: a full-page shot taken scrolled down paints the sticky header over the middle.
    await page.evaluate('window.scrollTo(0, 0)');
    const file = path.join(testInfo.project.outputDir, 'screens', `${name}-${width}.png`);
    const body = await page.screenshot({ fullPage: true, path: file, animations: 'disabled' });
    await testInfo.attach(`${name}-${width}.png`, { body, contentType: 'image/png' });
  }
}

/** WCAG 2.1 contrast of an element's text on its own background, from the colours the browser computed. */
async function renderedContrast(element: Locator): Promise<number> {
  const { color, background } = await element.evaluate((el) => {
    const style = el.ownerDocument.defaultView!.getComputedStyle(el);
    return { color: style.color, background: style.backgroundColor };
  });
  return new Color(color).contrast(new Color(background), 'WCAG21');
}

/** Width the select's current option text needs, and the width its box leaves for text (padding and arrow excluded). */
async function selectTextFit(select: Locator): Promise<{ text: string; neededPx: number; availablePx: number }> {
  return select.evaluate((el) => {
    const field = el as HTMLSelectElement;
    const style = field.ownerDocument.defaultView!.getComputedStyle(field);
    const context = field.ownerDocument.createElement('canvas').getContext('2d')!;
    context.font = style.font;
    const text = field.options[field.selectedIndex]!.text;
    return {
      text,
      neededPx: context.measureText(text).width,
      availablePx: field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
    };
  });
}

test('the first-hour screens say what happened and fit 375 and 1280 px', async ({
  page,
  simulator,
  browserLog,
}, testInfo) => {
  await test.step('logged out: no console error, Tab goes straight to the field, +91 is readable', async () => {
    await page.goto('/login');
    const email = page.getByRole('textbox', { name: 'Email' });
    await expect(email).toBeVisible();
    await page.getByRole('tab', { name: 'Email' }).focus();
    await page.keyboard.press('Tab');
    await expect(email).toBeFocused();

    await page.getByRole('tab', { name: 'Phone' }).click();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('textbox', { name: 'Mobile number' })).toBeFocused();
    const prefix = page.getByText('+91', { exact: true }).locator('..');
    expect(await renderedContrast(prefix), '+91 prefix contrast').toBeGreaterThanOrEqual(4.5);

    expect(
      browserLog.lines.filter((line) => line.includes('[error]')),
      'console errors of a logged-out page load',
    ).toEqual([]);
    await screens(page, testInfo, 'login-phone');
  });

  await logInByEmail(page, USERS.admin);
  await openSmsSettings(page);
  const config = page.getByRole('region', { name: 'API Configuration' });
  const sender = testSender(page);
  const logs = logsPreview(page);

  await test.step('the Mode select shows its whole option text at 1280 px', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const mode = config.getByRole('combobox', { name: 'Mode' });
    for (const value of ['autogen', 'template']) {
      await mode.selectOption(value);
      const fit = await selectTextFit(mode);
      expect(fit.neededPx, `"${fit.text}" fits its select (${fit.availablePx.toFixed(0)} px)`).toBeLessThanOrEqual(
        fit.availablePx,
      );
    }
    await mode.selectOption('autogen');
  });

  await test.step("the Test Sender names 2Factor's refusal, without a countdown", async () => {
    await config.getByLabel('API key', { exact: true }).fill(REFUSED_API_KEY);
    await config.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(config.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();

    await sender.phone.fill(typedNational(PHONE));
    await sender.send.click();
    await expect(sender.result).toContainText('Send: failed — 2Factor refused the request');
    // Status, then 2Factor's own words (provider_details, sent to admins only), then our message.
    await expect(sender.resultValues.nth(0)).toHaveText('provider_error');
    await expect(sender.resultValues.nth(1)).toHaveText('Invalid API Key');
    await expect(sender.timer).toHaveCount(0);
    await expect(sender.send).toBeEnabled();
    await screens(page, testInfo, 'test-sender-refused', async (width) => {
      await saveCardShot(page, testInfo, `test-sender-card-${width}`, sender.region);
    });
  });

  await test.step('with a key 2Factor accepts: a send, a wrong code and the right one', async () => {
    await config.getByLabel('API key', { exact: true }).fill(SAVED_API_KEY);
    await config.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(config.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
    const code = await sendTestOtp(page, simulator, PHONE);
    await sender.code.fill(wrongCodeFor(code));
    await sender.verify.click();
    await expect(sender.resultValues.first()).toHaveText('otp_mismatch');
    await sender.code.fill(code);
    await sender.verify.click();
    await expect(sender.result).toContainText('Verify: succeeded');
  });

  await test.step('Logs Preview: delivery health apart from code checks; stacked rows on a phone', async () => {
    await logs.refresh.click();
    await expect(logs.rows(PHONE, 'verify', 'verified')).toHaveCount(1);
    // One refused send and one accepted; the wrong code counts as the person's, not as a failed delivery.
    await expect(logs.region.getByRole('region', { name: 'Delivery' })).toContainText(
      '2Factor accepted 1 of 2 sends (50%): 1 refused, 0 unavailable.',
    );
    await expect(logs.region.getByRole('region', { name: 'Code checks' })).toContainText(
      '2 code checks: 1 verified, 1 wrong code',
    );

    await screens(page, testInfo, 'logs-preview', async (width) => {
      if (width >= 768) {
        await expect(logs.table).toBeVisible();
      } else {
        await expect(logs.table).toHaveCount(0);
        await expect(logs.entries).toHaveCount(4);
        const card = (await logs.region.boundingBox())!;
        for (const entry of await logs.entries.all()) {
          // Status and type are checked by rows() below; here: the phone and the time of every entry, inside the card.
          await expect(entry).toContainText(maskPhone(PHONE));
          await expect(entry.getByRole('button').locator('time')).toBeVisible();
          const box = (await entry.boundingBox())!;
          expect(box.x + box.width, 'an entry stays inside the card').toBeLessThanOrEqual(card.x + card.width);
        }
        for (const [type, status] of [
          ['autogen', 'provider_error'],
          ['autogen', 'sent'],
          ['verify', 'otp_mismatch'],
          ['verify', 'verified'],
        ] as const) {
          await expect(logs.rows(PHONE, type, status), `${type} ${status} entry`).toHaveCount(1);
        }
        const refused = logs.rows(PHONE, 'autogen', 'provider_error').getByRole('button');
        await refused.click();
        await expect(refused).toHaveAttribute('aria-expanded', 'true');
        await expect(logs.rows(PHONE, 'autogen', 'provider_error')).toContainText('Invalid API Key');
      }
      await saveCardShot(page, testInfo, `logs-preview-card-${width}`, logs.region);
    });
  });

  await test.step('Logs Preview names an empty filter', async () => {
    await logs.typeFilter.selectOption('template');
    await expect(logs.region.getByText('No template sends yet.')).toBeVisible();
    await screens(page, testInfo, 'logs-preview-empty-filter');
    await logs.region.getByRole('button', { name: 'Show all types' }).click();
    await expect(logs.typeFilter).toHaveValue('all');
    await screens(page, testInfo, 'settings-sms-otp');
  });

  await logOut(page);

  await test.step('phone login: an expired code turns Verify off and Resend on', async () => {
    await page.clock.install();
    await openPhoneTab(page);
    await requestLoginCode(page, simulator, USERS.agent.phone);
    const verify = page.getByRole('button', { name: 'Verify and log in' });
    const resend = page.getByRole('button', { name: 'Resend code' });
    await page.getByRole('textbox', { name: 'One-time code' }).fill('123456');
    await expect(verify).toBeEnabled();
    // The code lives SMS_OTP_TTL_S (300 s by default): move the page's clock past it.
    await page.clock.fastForward('05:01');
    await expect(page.getByText('This code has expired. Resend to get a new one.')).toBeVisible();
    await expect(verify).toBeDisabled();
    await expect(resend).toBeEnabled();
    await screens(page, testInfo, 'login-phone-expired');
  });

  await test.step('email login: too many failed logins count the wait down with Log in disabled', async () => {
    await page.goto('/login');
    const logIn = page.getByRole('button', { name: 'Log in', exact: true });
    await page.getByRole('textbox', { name: 'Email' }).fill(USERS.staff.email);
    for (let attempt = 1; attempt <= FAILED_LOGINS_ALLOWED; attempt++) {
      await page.getByLabel('Password', { exact: true }).fill(`wrong password ${attempt}`);
      await logIn.click();
      await expect(page.getByRole('alert')).toContainText('incorrect');
    }
    await page.getByLabel('Password', { exact: true }).fill('one more guess');
    await logIn.click();
    await expect(page.getByRole('timer')).toHaveText(/^You can try again in \d+ minutes?\.$/);
    await expect(logIn).toBeDisabled();
    await screens(page, testInfo, 'login-email-rate-limited');
  });
});
