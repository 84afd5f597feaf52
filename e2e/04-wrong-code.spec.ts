/**
 * Flow 4: a wrong code shows how many attempts are left; after the last one (this stack allows 3) the code
 * session is dead: the UI offers only a new code, and the server refuses even the right code without asking
 * 2Factor again.
 */
import type { Page, Response } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { wrongCodeFor, type SimulatorClient } from './support/simulator.js';
import {
  escapeRegExp,
  loggedInEmailInPage,
  logInByEmail,
  openPhoneTab,
  openSmsSettings,
  requestLoginCode,
  sendTestOtp,
  testSender,
} from './support/ui.js';
import { USERS } from './support/users.js';

const MAX_ATTEMPTS = 3;

function isSend(response: Response): boolean {
  return new URL(response.url()).pathname === '/api/sms/sendOtp' && response.request().method() === 'POST';
}

async function sessionIdOf(sent: Promise<Response>): Promise<string> {
  const body = (await (await sent).json()) as { session_id: string };
  return body.session_id;
}

async function verifyCalls(simulator: SimulatorClient): Promise<number> {
  return (await simulator.stats()).byKind.verify;
}

/** The server's answer to the right code on a dead session, and proof that 2Factor was not asked. */
async function expectDeadEvenForTheRightCode(
  page: Page,
  simulator: SimulatorClient,
  sessionId: string,
  code: string,
): Promise<void> {
  const callsBefore = await verifyCalls(simulator);
  const answer = await page.request.post('/api/sms/verifyOtp', { data: { session_id: sessionId, otp: code } });
  expect(answer.status()).toBe(429);
  expect(await answer.json()).toMatchObject({ status: 'too_many_attempts', verified: false, attempts_left: 0 });
  expect(await verifyCalls(simulator), 'verify calls to 2Factor for a dead session').toBe(callsBefore);
}

test('login: wrong codes show the attempts left, then the session is dead even for the right code', async ({
  page,
  simulator,
}) => {
  const user = USERS.staff;
  await openPhoneTab(page);
  const sent = page.waitForResponse(isSend);
  const code = await requestLoginCode(page, simulator, user.phone);
  const sessionId = await sessionIdOf(sent);
  const codeField = page.getByRole('textbox', { name: 'One-time code' });
  const verify = page.getByRole('button', { name: 'Verify and log in' });
  const callsBefore = await verifyCalls(simulator);

  for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt += 1) {
    const left = MAX_ATTEMPTS - attempt;
    await test.step(`wrong code ${attempt}: ${left} left`, async () => {
      await codeField.fill(wrongCodeFor(code));
      await verify.click();
      const message = `That code is not right. ${left} ${left === 1 ? 'attempt' : 'attempts'} left.`;
      await expect(page.getByRole('alert')).toHaveText(message);
      await expect(codeField).toHaveAccessibleDescription(new RegExp(escapeRegExp(message)));
      await expect(codeField, 'the wrong code is cleared for the next try').toHaveValue('');
    });
  }

  await test.step('the last wrong code ends the session', async () => {
    await codeField.fill(wrongCodeFor(code));
    await verify.click();
    await expect(page.getByRole('alert')).toHaveText(
      'That code is not right, and no attempts are left. Please request a new code.',
    );
    await expect(codeField).toBeDisabled();
    await expect(verify).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Resend code' })).toBeVisible();
    expect(await verifyCalls(simulator), 'each wrong code was checked with 2Factor').toBe(callsBefore + MAX_ATTEMPTS);
  });

  await test.step('the right code no longer logs in', async () => {
    await expectDeadEvenForTheRightCode(page, simulator, sessionId, code);
    await page.reload();
    await expect(page).toHaveURL((url) => url.pathname === '/login');
    expect(await loggedInEmailInPage(page), 'still logged out').toBeNull();
  });
});

test('Test Sender: attempts left count down in the result, then the session is dead even for the right code', async ({
  page,
  simulator,
}) => {
  const phone = '+919700000401';
  await logInByEmail(page, USERS.admin);
  await openSmsSettings(page);
  const sender = testSender(page);
  const sent = page.waitForResponse(isSend);
  const code = await sendTestOtp(page, simulator, phone);
  const sessionId = await sessionIdOf(sent);

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const left = MAX_ATTEMPTS - attempt;
    await test.step(`wrong code ${attempt}: ${left} left`, async () => {
      await sender.code.fill(wrongCodeFor(code));
      await sender.verify.click();
      const message =
        left > 0
          ? `That code is not right. ${left} ${left === 1 ? 'attempt' : 'attempts'} left.`
          : 'That code is not right, and no attempts are left. Please request a new code.';
      await expect(sender.result).toContainText('Verify: failed');
      // Status, Message, Attempts left (error answers carry no response time).
      await expect(sender.resultValues).toHaveText(['otp_mismatch', message, String(left)]);
    });
  }

  await expect(sender.result).toContainText('This code can no longer be verified: send a new one.');
  await expect(sender.code).toBeDisabled();
  await expect(sender.verify).toBeDisabled();
  await expectDeadEvenForTheRightCode(page, simulator, sessionId, code);
});
