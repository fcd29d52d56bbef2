import {
  cloneElement,
  forwardRef,
  isValidElement,
  useMemo,
  type HTMLAttributes,
  type ReactElement,
  type ReactNode,
  type Ref,
  type RefCallback,
  type SyntheticEvent,
} from 'react';

/**
 * Calls the user's handler first, then ours unless the user called `preventDefault()`: the
 * user can opt out of the built-in behaviour per event.
 */
export function composeEventHandlers<E extends SyntheticEvent>(
  theirs: ((event: E) => void) | undefined,
  ours: (event: E) => void,
): (event: E) => void {
  return (event) => {
    theirs?.(event);
    if (!event.defaultPrevented) ours(event);
  };
}

/** One ref callback feeding two refs; memoised so React does not detach and reattach it every render. */
export function useComposedRefs<T>(a: Ref<T> | undefined, b: Ref<T> | undefined): RefCallback<T> {
  return useMemo(
    () => (node: T | null) => {
      for (const ref of [a, b]) {
        if (typeof ref === 'function') ref(node);
        else if (ref) (ref as { current: T | null }).current = node;
      }
    },
    [a, b],
  );
}

type RefHolder = { ref?: Ref<unknown> };

/**
 * The child's own ref: React 19 keeps it in `props.ref`, React 18 on `element.ref`. Each version
 * guards the other place with a warning getter, so read the one that is not guarded.
 */
function childRef(element: ReactElement): Ref<unknown> | undefined {
  const props = element.props as RefHolder;
  const warns = (target: object) =>
    (Object.getOwnPropertyDescriptor(target, 'ref')?.get as { isReactWarning?: boolean } | undefined)
      ?.isReactWarning;
  if (warns(props)) return (element as RefHolder).ref;
  return warns(element) ? props.ref : (props.ref ?? (element as RefHolder).ref);
}

export interface SlotProps extends HTMLAttributes<HTMLElement> {
  children?: ReactNode;
}

type AnyProps = Record<string, unknown>;

/**
 * Renders its single child element with the slot's props merged in (for `asChild`): handlers
 * are chained child first, styles merged, class names joined, refs composed; other child props win.
 */
export const Slot = forwardRef<HTMLElement, SlotProps>(function Slot({ children, ...slot }, forwardedRef) {
  const element = isValidElement(children) ? children : undefined;
  const ref = useComposedRefs(forwardedRef, element && childRef(element));
  if (!element) throw new Error('Handoff: `asChild` needs exactly one React element as its child.');
  const own = element.props as AnyProps;
  const merged: AnyProps = { ...slot, ...own, ref };
  for (const [key, ours] of Object.entries(slot)) {
    const theirs = own[key];
    // Among DOM props only event handlers are functions.
    if (typeof ours === 'function' && typeof theirs === 'function') {
      merged[key] = (...args: unknown[]) => {
        theirs(...args);
        ours(...args);
      };
    }
  }
  if (slot.style && own.style) merged.style = { ...slot.style, ...own.style };
  if (slot.className && own.className) merged.className = `${slot.className} ${own.className as string}`;
  return cloneElement(element, merged);
});
