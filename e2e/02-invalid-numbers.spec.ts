/**
 * Flow 2: numbers that are not Indian mobiles (too short, another country's number pasted, a series that is
 * not mobile, letters) are refused with a clear message, in the Test Sender and on the login page, and not
 * one request reaches 2Factor (the simulator's request count does not move). The server refuses them too
 * when the browser's check is bypassed.
 */
import { PHONE_FORMAT_HINT } from '../common/phone.js';
import { expect, test } from './support/fixtures.js';
import type { SimulatorClient } from './support/simulator.js';
import { escapeRegExp, logInByEmail, openPhoneTab, openSmsSettings, testSender } from './support/ui.js';
import { USERS } from './support/users.js';

/** What a person might type or paste into the national-number field (after the fixed +91). */
const INVALID_NUMBERS = [
  { why: 'too short', typed: '98765' },
  { why: 'a US number pasted', typed: '+1 415 555 2671' },
  { why: 'not a mobile series (starts with 5)', typed: '58765 43210' },
  { why: 'letters', typed: '98765 abcde' },
] as const;

/**
 * Requests that could text someone or check a code: not the server's own 2Factor balance polls (5 s after it
 * starts, then every 10 minutes), which may fall inside a test.
 */
async function providerRequests(simulator: SimulatorClient): Promise<number> {
  return (await simulator.stats()).sendsAndChecks;
}

test('the Test Sender refuses invalid numbers with a clear message and sends nothing', async ({ page, simulator }) => {
  await logInByEmail(page, USERS.admin);
  await openSmsSettings(page);
  const sender = testSender(page);
  const before = await providerRequests(simulator);

  for (const { why, typed } of INVALID_NUMBERS) {
    await test.step(why, async () => {
      await sender.phone.fill(typed);
      await expect(sender.phone).not.toHaveAttribute('aria-invalid', 'true');
      await sender.send.click();
      await expect(sender.region.getByRole('alert'), why).toHaveText(PHONE_FORMAT_HINT);
      await expect(sender.phone, why).toHaveAttribute('aria-invalid', 'true');
      await expect(sender.phone, why).toHaveAccessibleDescription(new RegExp(escapeRegExp(PHONE_FORMAT_HINT)));
      await expect(sender.code, 'no code step opens').toHaveCount(0);
      await expect(sender.result, 'no send was attempted: no result to show').toHaveCount(0);
    });
  }
  expect(await providerRequests(simulator), 'requests that reached the 2Factor simulator').toBe(before);
});

test('the login Phone tab refuses invalid numbers with a clear message and sends nothing', async ({
  page,
  simulator,
}) => {
  await openPhoneTab(page);
  const phone = page.getByRole('textbox', { name: 'Mobile number' });
  const before = await providerRequests(simulator);

  for (const { why, typed } of INVALID_NUMBERS) {
    await test.step(why, async () => {
      await phone.fill(typed);
      await page.getByRole('button', { name: 'Send code' }).click();
      await expect(page.getByRole('alert'), why).toHaveText(PHONE_FORMAT_HINT);
      await expect(phone, why).toHaveAttribute('aria-invalid', 'true');
      await expect(page.getByRole('textbox', { name: 'One-time code' }), 'no code step opens').toHaveCount(0);
    });
  }
  expect(await providerRequests(simulator), 'requests that reached the 2Factor simulator').toBe(before);
});

test('the server refuses the same numbers when the browser check is bypassed, still without calling 2Factor', async ({
  page,
  simulator,
}) => {
  const before = await providerRequests(simulator);
  for (const phone of ['+9198765', '+14155552671', '+915876543210', '+9198765abcde']) {
    const answer = await page.request.post('/api/sms/sendOtp', { data: { phone, purpose: 'login' } });
    expect(answer.status(), phone).toBe(400);
    expect(await answer.json(), phone).toMatchObject({ status: 'invalid_phone', message: PHONE_FORMAT_HINT });
  }
  expect(await providerRequests(simulator), 'requests that reached the 2Factor simulator').toBe(before);
});
