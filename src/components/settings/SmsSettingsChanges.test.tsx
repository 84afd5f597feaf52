import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SmsSettingsChangesResponse } from '../../../common/api/sms.js';
import { SmsSettingsChanges } from '@/components/settings/SmsSettingsChanges';
import { jsonResponse, meRoute, stubFetch, USERS } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';

function renderChanges(body: SmsSettingsChangesResponse) {
  stubFetch({ ...meRoute(USERS.admin), 'GET /api/sms/config/changes': () => jsonResponse(200, body) });
  renderRoutes([{ path: '/', element: <SmsSettingsChanges /> }]);
  return screen.getByRole('region', { name: 'Settings history' });
}

describe('SmsSettingsChanges', () => {
  it('lists who changed which fields and when, newest first', async () => {
    const card = renderChanges({
      items: [
        {
          id: 2,
          changed_at: '2026-12-02T04:30:00.000Z',
          changed_by: { id: 'u-1', email: 'root@example.com' },
          fields: ['template_name'],
        },
        { id: 1, changed_at: '2026-12-01T18:45:00.000Z', changed_by: null, fields: ['api_key', 'mode'] },
      ],
    });
    const list = await within(card).findByRole('list', { name: 'Settings history' });
    const items = within(list).getAllByRole('listitem');
    expect(items.map((item) => item.textContent)).toEqual([
      'Template name changed by root@example.com2 Dec 2026, 10:00 am IST',
      'API key, Mode changed by a deleted user2 Dec 2026, 12:15 am IST',
    ]);
    expect(within(items[0]!).getByText(/IST$/).tagName).toBe('TIME');
  });

  it('says where the settings come from while none was saved', async () => {
    const card = renderChanges({ items: [] });
    expect(await within(card).findByText(/No changes saved yet/)).toBeInTheDocument();
  });
});
