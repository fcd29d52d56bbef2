import { render, screen } from '@testing-library/react';
import { createRef, type SyntheticEvent } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { composeEventHandlers, Slot } from './slot.tsx';

describe('Slot', () => {
  it('merges props into its child: handlers chained child first, styles, classes, both refs', () => {
    const calls: string[] = [];
    const slotRef = createRef<HTMLElement>();
    const childRef = createRef<HTMLAnchorElement>();
    render(
      <Slot
        ref={slotRef}
        onClick={() => calls.push('slot')}
        className="a"
        style={{ color: 'red', margin: 1 }}
        title="from slot"
        data-state="idle"
      >
        <a
          href="#x"
          ref={childRef}
          onClick={() => calls.push('child')}
          className="b"
          style={{ color: 'blue' }}
          title="mine"
        >
          go
        </a>
      </Slot>,
    );
    const link = screen.getByRole('link', { name: 'go' });
    link.click();
    expect(calls).toEqual(['child', 'slot']);
    expect(link.className).toBe('a b');
    expect(link.style.color).toBe('blue');
    expect(link.style.margin).toBe('1px');
    expect(link).toHaveAttribute('title', 'mine');
    expect(link).toHaveAttribute('data-state', 'idle');
    expect(slotRef.current).toBe(link);
    expect(childRef.current).toBe(link);
  });

  it('refuses anything but a single element with a clear message', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => render(<Slot>text</Slot>)).toThrow('`asChild` needs exactly one React element');
    expect(() =>
      render(
        <Slot>
          <span />
          <span />
        </Slot>,
      ),
    ).toThrow('`asChild` needs exactly one React element');
    vi.restoreAllMocks();
  });
});

describe('composeEventHandlers', () => {
  it('skips our handler when theirs prevented the default', () => {
    const ours = vi.fn();
    const event = { defaultPrevented: false } as unknown as SyntheticEvent;
    composeEventHandlers(undefined, ours)(event);
    composeEventHandlers(() => {}, ours)(event);
    composeEventHandlers((e) => Object.assign(e, { defaultPrevented: true }), ours)(event);
    expect(ours).toHaveBeenCalledTimes(2);
  });
});
