/**
 * What a person does in the app, step by step, with elements found by role and accessible name only.
 */
import type { Locator, Page } from '@playwright/test';
import { maskPhone } from '../../common/phone.js';
import { expect } from './fixtures.js';
import type { SimulatorClient } from './simulator.js';
import type { E2eUser } from './users.js';

export { maskPhone };

/** `+919800000004` → `98000 00004`, the way people type it after the fixed +91. */
export function typedNational(phone: string): string {
  const digits = phone.replace(/^\+91/, '');
  return `${digits.slice(0, 5)} ${digits.slice(5)}`;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The role's home page is showing (its URL and its one heading). */
export async function expectRoleHome(page: Page, user: E2eUser): Promise<void> {
  await expect(page).toHaveURL((url) => url.pathname === user.home);
  await expect(page.getByRole('heading', { level: 1, name: user.homeHeading })).toBeVisible();
}

export async function logInByEmail(page: Page, user: E2eUser): Promise<void> {
  await page.goto('/login');
  await page.getByRole('textbox', { name: 'Email' }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await expectRoleHome(page, user);
}

/** The Phone tab of the login page, at the number step. */
export async function openPhoneTab(page: Page): Promise<void> {
  await page.goto('/login');
  await page.getByRole('tab', { name: 'Phone' }).click();
  await expect(page.getByRole('tab', { name: 'Phone' })).toHaveAttribute('aria-selected', 'true');
}

/** Phone tab: asks for a code and returns the one the simulator delivered for this send. */
export async function requestLoginCode(page: Page, simulator: SimulatorClient, phone: string): Promise<string> {
  const before = await simulator.otpCount(phone);
  await page.getByRole('textbox', { name: 'Mobile number' }).fill(typedNational(phone));
  await page.getByRole('button', { name: 'Send code' }).click();
  await expect(page.getByRole('textbox', { name: 'One-time code' })).toBeVisible();
  return simulator.codeAfter(phone, before);
}

export async function logInByPhone(page: Page, simulator: SimulatorClient, user: E2eUser): Promise<void> {
  await openPhoneTab(page);
  const code = await requestLoginCode(page, simulator, user.phone);
  await page.getByRole('textbox', { name: 'One-time code' }).fill(code);
  await page.getByRole('button', { name: 'Verify and log in' }).click();
  await expectRoleHome(page, user);
}

export async function logOut(page: Page): Promise<void> {
  await openMenuIfFolded(page);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/login');
}

/** Below the md breakpoint the navigation folds behind "Open menu". */
async function openMenuIfFolded(page: Page): Promise<void> {
  const menu = page.getByRole('button', { name: 'Open menu' });
  if (await menu.isVisible()) await menu.click();
}

/** Settings → SMS & OTP through the main navigation, as an admin would get there. */
export async function openSmsSettings(page: Page): Promise<void> {
  await openMenuIfFolded(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/settings/sms-otp');
  await expect(page.getByRole('heading', { level: 1, name: 'SMS & OTP' })).toBeVisible();
}

export function testSender(page: Page) {
  const region = page.getByRole('region', { name: 'Test Sender' });
  return {
    region,
    phone: region.getByRole('textbox', { name: 'Mobile number' }),
    send: region.getByRole('button', { name: 'Send OTP' }),
    code: region.getByRole('textbox', { name: 'One-time code' }),
    verify: region.getByRole('button', { name: 'Verify', exact: true }),
    result: region.getByRole('status', { name: 'Last result' }),
    /** The values of the result panel (Status, Message, Response time, Attempts left), in that order. */
    resultValues: region.getByRole('status', { name: 'Last result' }).getByRole('definition'),
    timer: region.getByRole('timer'),
  };
}

/** Test Sender: sends a test OTP and returns the code the simulator delivered for it. */
export async function sendTestOtp(page: Page, simulator: SimulatorClient, phone: string): Promise<string> {
  const sender = testSender(page);
  const before = await simulator.otpCount(phone);
  await sender.phone.fill(typedNational(phone));
  await sender.send.click();
  await expect(sender.result).toContainText('Send: succeeded');
  await expect(sender.code).toBeVisible();
  return simulator.codeAfter(phone, before);
}

export function logsPreview(page: Page) {
  const region = page.getByRole('region', { name: 'Logs Preview' });
  const name = 'OTP log entries, newest first';
  /** A table on wide screens, a list of stacked rows on narrow ones. */
  const table = region.getByRole('table', { name });
  const list = region.getByRole('list', { name });
  const text = (value: string) => page.getByText(value, { exact: true });
  return {
    region,
    table,
    list,
    /** Every entry of the list (narrow screens). */
    entries: list.getByRole('listitem'),
    refresh: region.getByRole('button', { name: 'Refresh' }),
    typeFilter: region.getByRole('combobox', { name: 'Type' }),
    /** Entries of one (masked) phone with the given type (`autogen`, `verify`) and status (`sent`, `verified`…), in either layout. */
    rows(phone: string, type: string, status: string): Locator {
      return table
        .getByRole('row')
        .or(list.getByRole('listitem'))
        .filter({ has: text(maskPhone(phone)) })
        .filter({ has: text(type) })
        .filter({ has: text(status) });
    },
  };
}

/** The HTTP status the page itself gets for `GET path`, with the browser's own cookies. */
export function statusInPage(page: Page, path: string): Promise<number> {
  return page.evaluate<number>(`fetch(${JSON.stringify(path)}).then((response) => response.status)`);
}

/** The email of the user the page's own cookies are logged in as (GET /api/auth/me), or null when logged out. */
export function loggedInEmailInPage(page: Page): Promise<string | null> {
  return page.evaluate<string | null>(
    `fetch('/api/auth/me').then((response) => response.json()).then((body) => body.user?.email ?? null)`,
  );
}

/** `document.documentElement.scrollWidth`: wider than the viewport means something overflows sideways. */
export function pageScrollWidth(page: Page): Promise<number> {
  // A string, not a function: the e2e code is type-checked for Node, without the DOM's types.
  return page.evaluate<number>('document.documentElement.scrollWidth');
}

/** Settings → SMS & OTP: the Delivery funnel card. */
export function deliveryFunnel(page: Page) {
  const region = page.getByRole('region', { name: 'Delivery funnel' });
  const stages = region.getByRole('list', { name: 'Funnel' });
  return {
    region,
    refresh: region.getByRole('button', { name: 'Refresh' }),
    tab: (name: 'Last 24 hours' | 'Last 7 days') => region.getByRole('tab', { name }),
    /** One stage of the funnel (`Accepted by 2Factor`, `Delivered`, `Verified`): its text holds the count. */
    stage: (label: string) => stages.getByRole('listitem').filter({ hasText: label }),
    /** The value beside a figure's term (`Failed`, `Awaiting a report`, `As a voice call`, `Median (p50)`…). */
    figure: (term: string) =>
      region
        .getByRole('term')
        .filter({ hasText: new RegExp(`^${escapeRegExp(term)}$`) })
        .locator('xpath=following-sibling::dd[1]'),
    failureReasons: region.getByRole('list', { name: 'Why sends failed' }).getByRole('listitem'),
    byHour: region.getByRole('table', { name: 'Sends by hour of the day (IST)' }),
    voiceWarning: region.getByRole('alert').filter({ hasText: 'OTPs delivered as voice calls' }),
    empty: region.getByText(/^No OTP was sent in the last/),
  };
}
