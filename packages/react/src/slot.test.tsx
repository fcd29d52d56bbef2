import { render, screen } from '@testing-library/react';
import { createRef, type ReactElement, type Ref, type SyntheticEvent } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { childRef, composeEventHandlers, slot, useComposedRefs } from './slot.tsx';

type AnyProps = Record<string, unknown>;

/** What a component with `asChild` does: compose its ref with the child's, then merge. */
function AsChild({ child, props }: { child: ReactElement<AnyProps>; props: AnyProps }) {
  const ref = useComposedRefs(props.ref as Ref<unknown>, childRef(child));
  return slot(child, { ...props, ref });
}

describe('slot', () => {
  it('merges props into its child: handlers chained child first, styles, classes, both refs', () => {
    const calls: string[] = [];
    const slotRef = createRef<HTMLElement>();
    const ownRef = createRef<HTMLAnchorElement>();
    render(
      <AsChild
        props={{
          ref: slotRef,
          onClick: () => calls.push('slot'),
          className: 'a',
          style: { color: 'red', margin: 1 },
          title: 'from slot',
          'data-state': 'idle',
        }}
        child={
          <a
            href="#x"
            ref={ownRef}
            onClick={() => calls.push('child')}
            className="b"
            style={{ color: 'blue' }}
            title="mine"
          >
            go
          </a>
        }
      />,
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
    expect(ownRef.current).toBe(link);
  });

  it('keeps a child without a ref, class or style as it is and still sets the slot ref', () => {
    const slotRef = createRef<HTMLElement>();
    render(<AsChild props={{ ref: slotRef, className: 'a' }} child={<button type="button">b</button>} />);
    const button = screen.getByRole('button', { name: 'b' });
    expect(button.className).toBe('a');
    expect(slotRef.current).toBe(button);
  });
});

describe('useComposedRefs', () => {
  it('feeds object and callback refs, and keeps one callback while they stay the same', () => {
    const object = createRef<HTMLElement>();
    const callback = vi.fn();
    const seen: unknown[] = [];
    function Probe() {
      const ref = useComposedRefs<HTMLElement>(object, callback);
      seen.push(ref);
      return <span ref={ref}>x</span>;
    }
    const { rerender, unmount } = render(<Probe />);
    rerender(<Probe />);
    expect(seen[1]).toBe(seen[0]);
    expect(object.current).toBe(screen.getByText('x'));
    expect(callback).toHaveBeenCalledTimes(1);
    unmount();
    expect(object.current).toBeNull();
    expect(callback).toHaveBeenLastCalledWith(null);
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
