import { render, screen } from '@testing-library/react';
import { version } from 'react';
import { version as domVersion } from 'react-dom';
import { describe, expect, it } from 'vitest';
import { HandoffProvider, ManageSubscriptionButton } from '@handoff/react';

/** Guards the React 18 run itself: were the aliases lost, the component tests would run on 19. */
describe('the react18 test project', () => {
  it('runs on React 18, for the components and for Testing Library alike', () => {
    expect(version).toMatch(/^18\./);
    expect(domVersion).toMatch(/^18\./);
    render(
      <HandoffProvider url="https://handoff.test" token="hc_customer">
        <ManageSubscriptionButton provider="okepay" />
      </HandoffProvider>,
    );
    expect(screen.getByRole('button', { name: 'Manage subscription' })).toBeInTheDocument();
  });
});
