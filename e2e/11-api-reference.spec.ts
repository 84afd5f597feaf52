/**
 * Flow 11: the API reference page (/api/docs) works in a browser under the app's Content-Security-Policy,
 * offline: everything it loads comes from the server itself, and it lists the API's operations.
 */
import { expect, test } from './support/fixtures.js';

test('the API reference page renders the operations from this server only, with no console errors', async ({
  page,
  stack,
  browserLog,
}) => {
  const foreignRequests: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(stack.url) && !request.url().startsWith('data:')) foreignRequests.push(request.url());
  });

  const answer = await page.goto('/api/docs');
  expect(answer?.headers()['content-security-policy']).toContain("script-src 'self'");

  await expect(page.getByRole('heading', { name: /SMS OTP with 2Factor\.in/ })).toBeVisible();
  const sendOtp = page.getByRole('button', { name: /POST \/api\/sms\/sendOtp/ });
  await expect(sendOtp).toBeVisible();
  await expect(page.getByRole('button', { name: /DELETE \/api\/sms\/config\/api_key/ })).toBeVisible();

  await sendOtp.click();
  await expect(page.getByText('RateLimit-Policy').first()).toBeVisible();

  expect(foreignRequests, 'requests to other hosts').toEqual([]);
  expect(
    browserLog.lines.filter((line) => line.includes('[error]')),
    'console errors (CSP violations among them)',
  ).toEqual([]);
});
