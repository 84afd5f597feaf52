import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { TestNumbersView } from '../../../common/api/sms.js';
import { TestNumbersNotice } from '@/components/settings/TestNumbersNotice';
import { jsonResponse, meRoute, stubFetch, USERS } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';

function renderNotice(view: TestNumbersView) {
  const { requests } = stubFetch({
    ...meRoute(USERS.admin),
    'GET /api/sms/test-numbers': () => jsonResponse(200, view),
  });
  renderRoutes([{ path: '/', element: <TestNumbersNotice /> }]);
  return requests;
}

describe('TestNumbersNotice', () => {
  it('lists the active test numbers, masked, in a status message', async () => {
    renderNotice({ numbers: ['+91******0001', '+91******0002'], production: false });
    const notice = await screen.findByRole('status');
    expect(notice).toHaveTextContent('Test numbers are active');
    expect(notice).toHaveTextContent(
      'These 2 numbers take their fixed code from SMS_TEST_NUMBERS, get no SMS and skip the send limits: +91******0001, +91******0002.',
    );
    expect(notice).not.toHaveTextContent('production');
  });

  it('warns louder in production', async () => {
    renderNotice({ numbers: ['+91******0001'], production: true });
    const notice = await screen.findByRole('status');
    expect(notice).toHaveTextContent('Test numbers are active in production');
    expect(notice).toHaveTextContent('This number takes its fixed code');
    expect(notice).toHaveTextContent('Anyone who knows a test number and its code can log in as its owner.');
  });

  it('shows nothing without test numbers', async () => {
    const requests = renderNotice({ numbers: [], production: false });
    await vi.waitFor(() => expect(requests.some((request) => request.path === '/api/sms/test-numbers')).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
  });
});
