import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { routes } from '@/routes';
import { meRoute, stubFetch } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';

describe('login page', () => {
  it('takes Tab from the selected tab straight to the first field, with no invisible stop on the panel', async () => {
    stubFetch(meRoute(null));
    renderRoutes(routes, ['/login']);
    const user = userEvent.setup();

    (await screen.findByRole('tab', { name: 'Email' })).focus();
    await user.tab();

    expect(screen.getByRole('textbox', { name: 'Email' })).toHaveFocus();
    expect(screen.getByRole('tabpanel', { name: 'Email' })).not.toHaveAttribute('tabindex', '0');
  });
});
