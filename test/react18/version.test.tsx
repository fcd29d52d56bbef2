import { render, screen } from '@testing-library/react';
import { createRef, version } from 'react';
import { version as domVersion } from 'react-dom';
import { describe, expect, it, vi } from 'vitest';
import { HandoffProvider, ManageSubscriptionButton } from '@handoff/react';

describe('the react18 test project', () => {
  // Guards the run itself: were the aliases lost, the component tests would run on 19.
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

  it('asChild keeps both refs without reading the child’s props.ref, which React 18 warns about', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const ref = createRef<HTMLButtonElement>();
    const childRef = createRef<HTMLAnchorElement>();
    render(
      <HandoffProvider url="https://handoff.test" token="hc_customer">
        <ManageSubscriptionButton provider="okepay" asChild ref={ref}>
          <a href="#billing" ref={childRef}>
            Billing
          </a>
        </ManageSubscriptionButton>
      </HandoffProvider>,
    );
    const link = screen.getByRole('link', { name: 'Billing' });
    expect(ref.current).toBe(link);
    expect(childRef.current).toBe(link);
    expect(error).not.toHaveBeenCalled();
    error.mockRestore();
  });
});
