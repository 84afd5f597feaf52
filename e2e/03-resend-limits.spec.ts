/**
 * Flow 3: resends are limited. The resend button counts down the server's cooldown, which grows with each resend;
 * sending past the phone's daily cap (or, in the Test Sender, the admin's hourly cap) gets the 429 message, and
 * the UI keeps the button disabled, counting down `Retry-After`, until that wait is over. The wait is hours, so
 * the browser's clock (page.clock) is fast-forwarded through it; the server keeps real time.
 *
 * Own stack: a 4 s cooldown growing to 8 s, 2 sends per phone per day and 2 per signed-in user per hour.
 */
import type { Page, Response } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { logInByEmail, openPhoneTab, openSmsSettings, testSender, typedNational } from './support/ui.js';
import { USERS } from './support/users.js';

const COOLDOWN_S = 4;
/** After a fast-forward the countdown goes on the next tick; generous for a busy machine. */
const COUNTDOWN_GONE_TIMEOUT_MS = 30_000;
test.use({
  stackEnv: {
    SMS_RESEND_COOLDOWN_S: String(COOLDOWN_S),
    SMS_RESEND_COOLDOWN_MAX_S: String(2 * COOLDOWN_S),
    SMS_MAX_SENDS_PER_PHONE_PER_DAY: '2',
    SMS_MAX_SENDS_PER_HOUR: '2',
  },
});

function isRefusedSend(response: Response): boolean {
  return new URL(response.url()).pathname === '/api/sms/sendOtp' && response.status() === 429;
}

/** Real time (ms) before and after an action: the server handled it somewhere in between. */
interface Span {
  from: number;
  to: number;
}

async function timed(action: () => Promise<void>): Promise<Span> {
  const from = Date.now();
  await action();
  return { from, to: Date.now() };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const IST_OFFSET_MS = 19_800_000;

/** When the wait ends: an hour after the first send (the user's sliding hour), or the next midnight IST (a day cap). */
type WaitEnd = { hourAfter: Span } | 'midnight IST';

/**
 * Does `action` (a send the server must refuse) and returns the 429's Retry-After, checked against when the wait
 * should end (between the bounds the real clock allows); the body's `retry_after_s` says the same.
 */
async function refusedSendRetryAfter(page: Page, action: () => Promise<void>, end: WaitEnd): Promise<number> {
  const refused = page.waitForResponse(isRefusedSend);
  const span = await timed(async () => {
    await action();
    await refused;
  });
  const response = await refused;
  const header = Number(response.headers()['retry-after']);
  const body = (await response.json()) as { status: string; retry_after_s: number };
  expect(body.status).toBe('rate_limited');
  expect(body.retry_after_s).toBe(header);
  const [earliest, latest] =
    end === 'midnight IST'
      ? [nextIstMidnight(span.to) - span.to, nextIstMidnight(span.from) - span.from]
      : [end.hourAfter.from + HOUR_MS - span.to, end.hourAfter.to + HOUR_MS - span.from];
  const what = `Retry-After: until ${end === 'midnight IST' ? 'midnight IST' : 'an hour after the first send'}`;
  expect(header, what).toBeGreaterThanOrEqual(Math.floor(earliest / 1000));
  expect(header, what).toBeLessThanOrEqual(Math.ceil(latest / 1000));
  return header;
}

function nextIstMidnight(atMs: number): number {
  return (Math.floor((atMs + IST_OFFSET_MS) / DAY_MS) + 1) * DAY_MS - IST_OFFSET_MS;
}

/** A wait in words as the app words it: rounded up, in seconds below a minute, minutes below an hour, then hours. */
function waitInWords(seconds: number): string {
  if (seconds < 60) return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
  const hours = Math.ceil(minutes / 60);
  return `${hours} ${hours === 1 ? 'hour' : 'hours'}`;
}

/** Moves the page's clock forward (timers due in between fire), as if that much time had passed. */
async function fastForwardSeconds(page: Page, seconds: number): Promise<void> {
  await page.clock.fastForward(seconds * 1000);
}

test("login: the resend button counts down the growing cooldown, and after the phone's daily cap it waits for Retry-After", async ({
  page,
  simulator,
}) => {
  const phone = USERS.agent.phone;
  await page.clock.install();
  await openPhoneTab(page);
  const resend = page.getByRole('button', { name: 'Resend code' });
  const timer = page.getByRole('timer');

  await page.getByRole('textbox', { name: 'Mobile number' }).fill(typedNational(phone));
  await page.getByRole('button', { name: 'Send code' }).click();
  await expect(page.getByRole('textbox', { name: 'One-time code' })).toBeVisible();

  await test.step('send 1: the resend button counts the cooldown down', async () => {
    await expect(resend).toBeDisabled();
    await expect(timer).toHaveText(/^You can ask for a new code in [1-4] seconds?\.$/);
    await page.clock.fastForward(COOLDOWN_S * 1000);
    await expect(timer).toBeHidden({ timeout: COUNTDOWN_GONE_TIMEOUT_MS });
    await expect(resend).toBeEnabled();
    expect(await simulator.otpCount(phone)).toBe(1);
  });

  // The browser's countdown ran on its own clock; the server's cooldown runs on real time.
  await page.waitForTimeout(COOLDOWN_S * 1000);
  await resend.click();

  await test.step('send 2: the cooldown has doubled', async () => {
    await expect(resend).toBeDisabled();
    await expect(timer).toHaveText(/^You can ask for a new code in [5-8] seconds\.$/);
    await page.clock.fastForward(2 * COOLDOWN_S * 1000);
    await expect(timer).toBeHidden({ timeout: COUNTDOWN_GONE_TIMEOUT_MS });
    await expect(resend).toBeEnabled();
    expect(await simulator.otpCount(phone)).toBe(2);
  });

  await page.waitForTimeout(2 * COOLDOWN_S * 1000);
  const retryAfterS = await refusedSendRetryAfter(page, () => resend.click(), 'midnight IST');

  await test.step('the 429 message shows and the button waits for Retry-After', async () => {
    await expect(page.getByRole('alert')).toHaveText(
      'Too many codes were sent to this number today. Please try again tomorrow.',
    );
    await expect(timer).toHaveText(`You can try again in ${waitInWords(retryAfterS)}.`);
    await expect(resend).toBeDisabled();
    expect(await simulator.otpCount(phone), 'the refused send never reached 2Factor').toBe(2);

    await fastForwardSeconds(page, retryAfterS - 30);
    await expect(timer).toHaveText(/^You can try again in \d{1,2} seconds?\.$/);
    await expect(resend).toBeDisabled();

    await fastForwardSeconds(page, 31);
    await expect(timer).toBeHidden();
    await expect(resend).toBeEnabled();
  });
});

test('Test Sender: switching numbers to force sends past the hourly limit gets a 429 and a Retry-After countdown', async ({
  page,
  simulator,
}) => {
  const phones = ['+919700000301', '+919700000302', '+919700000303'] as const;
  await page.clock.install();
  await logInByEmail(page, USERS.admin);
  await openSmsSettings(page);
  const sender = testSender(page);

  const firstSend = await test.step('the first number: sent, then the same number waits for the cooldown', async () => {
    await sender.phone.fill(typedNational(phones[0]));
    const sent = await timed(async () => {
      await sender.send.click();
      await expect(sender.result).toContainText('Send: succeeded');
    });
    await expect(sender.timer).toHaveText(/^You can resend to this number in [1-4] seconds?\.$/);
    await expect(sender.send).toBeDisabled();
    return sent;
  });

  await test.step('another number can be sent to at once', async () => {
    await sender.phone.fill(typedNational(phones[1]));
    await expect(sender.timer).toBeHidden();
    await expect(sender.send).toBeEnabled();
    await sender.send.click();
    await expect(sender.result).toContainText(`We sent a code to +91******${phones[1].slice(-4)}.`);
  });

  await sender.phone.fill(typedNational(phones[2]));
  await expect(sender.send).toBeEnabled();
  const retryAfterS = await refusedSendRetryAfter(page, () => sender.send.click(), { hourAfter: firstSend });

  await test.step('a third send this hour is refused, and Send waits for Retry-After', async () => {
    await expect(sender.result).toContainText('Send: failed');
    await expect(sender.result).toContainText(
      'You have sent too many messages this hour. Please wait before sending more.',
    );
    await expect(sender.resultValues.first()).toHaveText('rate_limited');
    await expect(sender.timer).toHaveText(`Rate limited: you can send again in ${waitInWords(retryAfterS)}.`);
    await expect(sender.send).toBeDisabled();
    expect(await simulator.otpCount(phones[2]), 'the refused send never reached 2Factor').toBe(0);
    expect(
      (await simulator.outbox()).filter((message) => (phones as readonly string[]).includes(message.phone)),
    ).toHaveLength(2);

    await fastForwardSeconds(page, retryAfterS - 30);
    await expect(sender.timer).toHaveText(/^Rate limited: you can send again in \d{1,2} seconds?\.$/);
    await expect(sender.send).toBeDisabled();

    await fastForwardSeconds(page, 31);
    await expect(sender.timer).toBeHidden();
    await expect(sender.send).toBeEnabled();
  });
});
