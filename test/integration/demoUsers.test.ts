/**
 * Demo users: one per role, created only in development on the embedded database, so a newcomer can log in
 * right after `npm start`. The README lists these logins.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { ROLE_HOME } from '../../common/roles.js';
import { DEMO_PASSWORD, DEMO_USERS, seedDemoUsers } from '../../server/auth/demoUsers.js';
import { loadConfig } from '../../server/config.js';
import { createLogger, SecretRegistry } from '../../server/logger.js';
import { buildTestApp, TEST_APP_SECRET, useTestDatabase } from '../support/testApp.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';

function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    secrets: new SecretRegistry(),
    destination: { write: (line: string) => void lines.push(line) },
  });
  return {
    logger,
    created: () => lines.filter((line) => line.includes('demo user created')).length,
    text: () => lines.join(''),
  };
}

describe('which configurations seed demo users', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'demo-users-test-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('development on the embedded database does (no DATABASE_URL)', () => {
    expect(loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir }).seedDemoUsers).toBe(true);
  });

  it('production never does', () => {
    expect(loadConfig({ NODE_ENV: 'production', APP_SECRET: TEST_APP_SECRET }).seedDemoUsers).toBe(false);
  });
});

describe.each(dbKindsUnderTest())('seedDemoUsers on %s', (kind) => {
  const testDb = useTestDatabase(kind);

  it('creates one user per role, each with its own phone, and only once', async () => {
    const app = buildTestApp(testDb().db);
    const log = capturingLogger();

    await seedDemoUsers(app.users, log.logger);
    await seedDemoUsers(app.users, log.logger);

    expect(await app.users.count()).toBe(4);
    expect(log.created()).toBe(4);
    expect(log.text()).not.toContain(DEMO_PASSWORD);
    for (const demo of DEMO_USERS) {
      expect(await app.users.findByPhone(demo.phone)).toMatchObject({ email: demo.email, role: demo.role });
    }
    expect(new Set(DEMO_USERS.map((demo) => demo.role))).toEqual(new Set(Object.keys(ROLE_HOME)));
  });

  it('lets each demo user log in and sends them to their role’s page', async () => {
    const app = buildTestApp(testDb().db);
    await seedDemoUsers(app.users, capturingLogger().logger);

    for (const demo of DEMO_USERS) {
      const res = await request(app.app)
        .post('/api/auth/login')
        .send({ email: demo.email, password: DEMO_PASSWORD })
        .expect(200);
      expect(res.body).toMatchObject({ user: { email: demo.email, role: demo.role }, redirect: ROLE_HOME[demo.role] });
    }
  });
});
