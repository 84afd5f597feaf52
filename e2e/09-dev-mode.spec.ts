/**
 * Flow 9: `npm run dev` works for a developer. The whole dev stack (scripts/dev.mjs: the API under
 * `tsx watch` and Vite with hot reload) runs on free ports, and the browser uses Vite's port only, as a
 * developer does: a demo user logs in by email and lands on their home page, and a phone login sends a
 * sandbox code (read from the dev server's log, where the sandbox prints it) and logs in with it. Every
 * write goes through Vite's proxy, so a proxy that rewrites Host (and trips the cross-site guard) fails here.
 */
import { writeFile } from 'node:fs/promises';
import { test as base, expect } from '@playwright/test';
import { DEMO_PASSWORD } from '../server/auth/demoUsers.js';
import { startDevStack, type DevStack } from './support/devStack.js';
import { expectRoleHome, logInByEmail, logOut, openPhoneTab, typedNational } from './support/ui.js';
import type { E2eUser } from './support/users.js';

/** Starting `npm run dev` (tsx, Vite and its embedded database) and stopping it again on a busy machine. */
const DEV_STACK_TIMEOUT_MS = 240_000;
/** The first page load through Vite compiles the app on the fly. */
const DEV_TEST_TIMEOUT_MS = 240_000;

/** README's demo logins, seeded by the development server on its embedded database. */
const DEMO_ADMIN: E2eUser = {
  role: 'admin',
  email: 'admin@example.com',
  password: DEMO_PASSWORD,
  phone: '+919000000002',
  home: '/dashboard',
  homeHeading: 'Dashboard',
};
const DEMO_AGENT: E2eUser = {
  role: 'agent',
  email: 'agent@example.com',
  password: DEMO_PASSWORD,
  phone: '+919000000004',
  home: '/agent/home',
  homeHeading: 'Agent home',
};

const test = base.extend<{ pageErrors: string[] }, { devStack: DevStack }>({
  devStack: [
    // Playwright reads a fixture's dependencies from this pattern; this one has none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const stack = await startDevStack();
      try {
        await use(stack);
      } finally {
        await stack.stop();
      }
    },
    { scope: 'worker', timeout: DEV_STACK_TIMEOUT_MS },
  ],
  baseURL: async ({ devStack }, use) => {
    await use(devStack.webUrl);
  },
  pageErrors: [
    async ({ context, devStack }, use, testInfo) => {
      const errors: string[] = [];
      context.on('weberror', (error) => errors.push(error.error().stack ?? error.error().message));
      await use(errors);
      if (testInfo.status !== testInfo.expectedStatus) {
        const file = testInfo.outputPath('npm-run-dev.log');
        await writeFile(file, devStack.output());
        await testInfo.attach('npm-run-dev.log', { path: file, contentType: 'text/plain' });
      }
      expect(errors, 'uncaught errors in the page').toEqual([]);
    },
    { auto: true },
  ],
});

test.describe.configure({ timeout: DEV_TEST_TIMEOUT_MS });

test('the API says at startup that the sandbox sends the SMS', ({ devStack }) => {
  const line = devStack
    .output()
    .split('\n')
    .find((text) => text.includes('listening on http'));
  expect(line).toContain('"smsApiKey":"sandbox"');
});

test('a demo user logs in by email through the Vite port and lands on their home page', async ({ page }) => {
  await logInByEmail(page, DEMO_ADMIN);
  await expect(page.getByRole('banner')).toContainText(DEMO_ADMIN.email);
  await logOut(page);
});

test('a demo user logs in by phone through the Vite port with the code the sandbox printed', async ({
  page,
  devStack,
}) => {
  await openPhoneTab(page);
  const before = devStack.sandboxSmsCount();
  await page.getByRole('textbox', { name: 'Mobile number' }).fill(typedNational(DEMO_AGENT.phone));
  await page.getByRole('button', { name: 'Send code' }).click();
  await expect(page.getByText(/Code sent to/)).toBeVisible();
  const code = await devStack.sandboxCodeAfter(before);

  await page.getByRole('textbox', { name: 'One-time code' }).fill(code);
  await page.getByRole('button', { name: 'Verify and log in' }).click();
  await expectRoleHome(page, DEMO_AGENT);
});
