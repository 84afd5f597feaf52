/**
 * The PostgreSQL Db: parameterised statements are prepared once per connection and reused, which saves
 * PostgreSQL a parse and a plan on every hot-path query (measured by `npm run bench`).
 */
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../server/db/db.js';
import { useTestDatabase } from '../support/testApp.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';

const SQL = 'select $1::int + 1 as next';

async function preparedCount(tx: Queryable, sql: string): Promise<number> {
  const { rows } = await tx.query<{ count: number }>(
    'select count(*)::int as count from pg_prepared_statements where statement = $1',
    [sql],
  );
  return rows[0]!.count;
}

describe.runIf(dbKindsUnderTest().includes('postgres'))('PostgreSQL Db', () => {
  const testDb = useTestDatabase('postgres');

  it('prepares a parameterised statement once per connection and reuses it with new values', async () => {
    await testDb().db.transaction(async (tx) => {
      const answers = [];
      for (const value of [1, 41, -3]) answers.push((await tx.query<{ next: number }>(SQL, [value])).rows[0]!.next);
      expect(answers).toEqual([2, 42, -2]);
      expect(await preparedCount(tx, SQL)).toBe(1);
    });
  });

  it('runs statements without parameters unprepared (migrations, several statements at once)', async () => {
    await testDb().db.transaction(async (tx) => {
      await tx.query('select 1 as one');
      expect(await preparedCount(tx, 'select 1 as one')).toBe(0);
    });
  });
});
