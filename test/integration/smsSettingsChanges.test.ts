/**
 * The audit trail of the SMS settings: each save records who changed which fields and when, in the same
 * transaction as the change; the API key's value never appears in it.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { useTestDatabase } from '../support/testApp.js';
import { buildSmsApp, signedIn, useSimulator } from '../support/smsKit.js';

const NEW_KEY = 'b7d2c1e0-4a5f-4c3b-9e8d-7f6a5b4c3d2e';

describe.each(dbKindsUnderTest())('SMS settings changes on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  it('lists who changed which fields and when, newest first, without any value', async () => {
    const app = buildSmsApp(testDb().db, sim());
    const priya = await signedIn(app, 'admin');
    const root = await signedIn(app, 'super_admin');
    await request(app.app)
      .put('/api/sms/config')
      .set('Cookie', priya.cookie)
      .send({ api_key: NEW_KEY, mode: 'template' })
      .expect(200);
    app.clock.advance(60_000);
    await request(app.app)
      .put('/api/sms/config')
      .set('Cookie', root.cookie)
      .send({ template_name: 'LoginOTP' })
      .expect(200);

    const res = await request(app.app).get('/api/sms/config/changes').set('Cookie', priya.cookie).expect(200);
    expect(res.body.items).toEqual([
      {
        id: expect.any(Number),
        changed_at: new Date(app.clock.now()).toISOString(),
        changed_by: { id: root.user.id, email: root.user.email },
        fields: ['template_name'],
      },
      {
        id: expect.any(Number),
        changed_at: new Date(app.clock.now() - 60_000).toISOString(),
        changed_by: { id: priya.user.id, email: priya.user.email },
        fields: ['api_key', 'mode'],
      },
    ]);
    expect(res.text).not.toContain(NEW_KEY);
    expect(res.text).not.toContain(NEW_KEY.slice(-4));
    const { rows } = await testDb().db.query('select * from public.sms_settings_changes');
    expect(JSON.stringify(rows)).not.toContain(NEW_KEY);
  });

  it('records nothing for a refused or empty change', async () => {
    const app = buildSmsApp(testDb().db, sim());
    const { cookie } = await signedIn(app);
    await request(app.app).put('/api/sms/config').set('Cookie', cookie).send({ mode: 'loud' }).expect(400);
    await request(app.app).put('/api/sms/config').set('Cookie', cookie).send({}).expect(200);
    expect((await request(app.app).get('/api/sms/config/changes').set('Cookie', cookie).expect(200)).body).toEqual({
      items: [],
    });
  });

  it('records removing the saved API key, and nothing when no key was saved', async () => {
    const app = buildSmsApp(testDb().db, sim());
    const { user, cookie } = await signedIn(app);
    await request(app.app).delete('/api/sms/config/api_key').set('Cookie', cookie).send({}).expect(200);
    await request(app.app).put('/api/sms/config').set('Cookie', cookie).send({ api_key: NEW_KEY }).expect(200);
    await request(app.app).delete('/api/sms/config/api_key').set('Cookie', cookie).send({}).expect(200);
    const res = await request(app.app).get('/api/sms/config/changes').set('Cookie', cookie).expect(200);
    expect(
      res.body.items.map((item: { fields: string[]; changed_by: { id: string } }) => [item.fields, item.changed_by.id]),
    ).toEqual([
      [['api_key'], user.id],
      [['api_key'], user.id],
    ]);
  });

  it('keeps the change of an admin who was deleted since, without a name', async () => {
    const app = buildSmsApp(testDb().db, sim());
    const gone = await signedIn(app);
    await request(app.app).put('/api/sms/config').set('Cookie', gone.cookie).send({ mode: 'template' }).expect(200);
    await testDb().db.query('delete from public.users where id = $1', [gone.user.id]);
    const { cookie } = await signedIn(app);
    const res = await request(app.app).get('/api/sms/config/changes').set('Cookie', cookie).expect(200);
    expect(res.body.items).toEqual([expect.objectContaining({ changed_by: null, fields: ['mode'] })]);
  });

  it('is for admins only', async () => {
    const app = buildSmsApp(testDb().db, sim());
    await request(app.app)
      .get('/api/sms/config/changes')
      .set('Cookie', (await signedIn(app, 'staff')).cookie)
      .expect(403);
    await request(app.app).get('/api/sms/config/changes').expect(401);
  });
});
