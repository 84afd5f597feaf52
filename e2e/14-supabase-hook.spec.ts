/**
 * Flow 14: Supabase Auth's Send SMS Hook from an admin's seat. Settings → SMS & OTP shows the hook enabled with
 * the URL to paste into Supabase (copied with one click) and no call yet; a call signed with `standardwebhooks`
 * exactly as Supabase signs it texts its code through 2Factor (the simulator); the card then shows that call
 * and Logs Preview the send with its *Supabase hook* badge. At 375 px nothing overflows sideways.
 * Screenshots: test-results/screens/supabase-hook-card-<width>.png.
 *
 * Own stack: SUPABASE_SMS_HOOK_SECRETS and PUBLIC_URL set.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { expect, test } from './support/fixtures.js';
import { logInByEmail, logsPreview, openSmsSettings, pageScrollWidth } from './support/ui.js';
import { USERS } from './support/users.js';

/** Supabase shows a hook secret as `v1,whsec_<base64>`; Standard Webhooks signs with the base64 part. */
const SECRET_BASE64 = Buffer.from('e2e-supabase-send-sms-hook-secret-32b').toString('base64');
const PUBLIC_URL = 'https://otp.example.com';
const HOOK_PATH = '/api/hooks/supabase/send-sms';
const PHONE = '+919700000914';
const CODE = '482913';

test.use({ stackEnv: { SUPABASE_SMS_HOOK_SECRETS: `v1,whsec_${SECRET_BASE64}`, PUBLIC_URL } });

/** One Send SMS Hook call as Supabase Auth makes it: phones without `+`, Standard Webhooks headers. */
async function callHookAsSupabase(serverUrl: string, phone: string, otp: string): Promise<Response> {
  const payload = JSON.stringify({
    metadata: { uuid: randomUUID(), time: new Date().toISOString(), name: 'send-sms', ip_address: '203.0.113.7' },
    user: {
      id: randomUUID(),
      aud: 'authenticated',
      role: 'authenticated',
      phone: phone.slice(1),
      app_metadata: { provider: 'phone', providers: ['phone'] },
    },
    sms: { otp },
  });
  const messageId = `msg_${randomUUID()}`;
  const sentAt = new Date();
  return fetch(`${serverUrl}${HOOK_PATH}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': new Webhook(SECRET_BASE64).sign(messageId, sentAt, payload),
    },
    body: payload,
  });
}

test('Settings shows the Supabase hook, its URL and its last call; a signed call texts the code and shows in the logs', async ({
  page,
  context,
  simulator,
  stack,
}, testInfo) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.url });
  await logInByEmail(page, USERS.admin);
  await openSmsSettings(page);
  const card = page.getByRole('region', { name: 'Supabase Auth hook' });

  await test.step('before any call: enabled, the URL to paste, copied with one click', async () => {
    await expect(card.getByText('Enabled', { exact: true })).toBeVisible();
    await expect(card.getByRole('textbox', { name: 'URL to paste into Supabase' })).toHaveValue(
      `${PUBLIC_URL}${HOOK_PATH}`,
    );
    await expect(card.getByText('No call from Supabase yet.')).toBeVisible();
    await card.getByRole('button', { name: 'Copy the hook URL' }).click();
    await expect(card.getByRole('status')).toHaveText('Hook URL copied.');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(`${PUBLIC_URL}${HOOK_PATH}`);
  });

  await test.step("a call signed as Supabase signs it: 200 {}, and the simulator receives Supabase's code", async () => {
    const answer = await callHookAsSupabase(stack.url, PHONE, CODE);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({});
    expect((await simulator.outbox(PHONE)).map((message) => message.code)).toEqual([CODE]);
  });

  await test.step('the card shows the call, Logs Preview the send with its origin', async () => {
    await page.reload();
    await expect(card.getByText('SMS sent (answered 200)')).toBeVisible();
    const logs = logsPreview(page);
    const row = logs.rows(PHONE, 'autogen', 'sent');
    await expect(row).toHaveCount(1);
    await expect(row.getByText('Supabase hook')).toHaveText('from Supabase hook');
    await expect(row).not.toContainText(CODE);
  });

  for (const width of [375, 1280] as const) {
    await test.step(`${width} px: the card fits`, async () => {
      await page.setViewportSize({ width, height: 900 });
      await card.scrollIntoViewIfNeeded();
      expect(await pageScrollWidth(page)).toBeLessThanOrEqual(width);
      const box = (await card.boundingBox())!;
      const button = (await card.getByRole('button', { name: 'Copy the hook URL' }).boundingBox())!;
      expect(button.x + button.width, 'the copy button stays inside the card').toBeLessThanOrEqual(box.x + box.width);
      const file = path.join(testInfo.project.outputDir, 'screens', `supabase-hook-card-${width}.png`);
      await testInfo.attach(`supabase-hook-card-${width}.png`, {
        body: await card.screenshot({ path: file, animations: 'disabled' }),
        contentType: 'image/png',
      });
    });
  }
});
