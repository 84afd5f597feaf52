/**
 * Flow 5: phone login for each of the four roles lands on that role's page; email login still works; a staff
 * user cannot open Settings → SMS & OTP (the 403 page, with the address unchanged).
 */
import { ROLES } from '../common/roles.js';
import { expect, test } from './support/fixtures.js';
import { logInByEmail, logInByPhone, logOut, statusInPage } from './support/ui.js';
import { USERS } from './support/users.js';

for (const role of ROLES) {
  const user = USERS[role];
  test(`phone login as ${role} lands on ${user.home}`, async ({ page, simulator }) => {
    await logInByPhone(page, simulator, user);
    const signedInAs = page.getByRole('banner');
    await expect(signedInAs).toContainText(user.email);
    // The session survives a reload: the server set the cookie.
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: user.homeHeading })).toBeVisible();
    await logOut(page);
  });
}

test('email login still works, and logging out ends the session', async ({ page }) => {
  await logInByEmail(page, USERS.super_admin);
  // Production cookie over plain http://127.0.0.1: Chromium keeps Secure cookies for loopback origins.
  const cookies = await page.context().cookies();
  expect(cookies.filter((cookie) => cookie.name === '__Host-sid')).toEqual([
    expect.objectContaining({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' }),
  ]);
  await logOut(page);
  await page.goto(USERS.super_admin.home);
  await expect(page).toHaveURL((url) => url.pathname === '/login');
  await logInByEmail(page, USERS.admin);
});

test('a staff user cannot open Settings → SMS & OTP', async ({ page }) => {
  await logInByEmail(page, USERS.staff);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' })).toHaveCount(0);

  await page.goto('/settings/sms-otp');
  await expect(page.getByRole('heading', { level: 1, name: "You don't have access to this page" })).toBeVisible();
  await expect(page).toHaveURL((url) => url.pathname === '/settings/sms-otp');
  await expect(page.getByRole('heading', { name: 'SMS & OTP' })).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'API Configuration' })).toHaveCount(0);
  // The server guards the data too.
  expect(await statusInPage(page, '/api/sms/config'), 'GET /api/sms/config as staff').toBe(403);

  await page.getByRole('link', { name: 'Go to your home page' }).click();
  await expect(page).toHaveURL((url) => url.pathname === USERS.staff.home);
});
