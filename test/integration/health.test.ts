import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { buildTestApp, useTestDatabase } from '../support/testApp.js';

describe.each(dbKindsUnderTest())('GET /api/health on %s', (kind) => {
  const testDb = useTestDatabase(kind);

  it('answers 200 with the database up', async () => {
    const { app } = buildTestApp(testDb().db);
    const res = await request(app).get('/api/health').expect(200);
    expect(res.body).toEqual({ ok: true, database: 'up', rate_limit_store: 'memory' });
  });
});
