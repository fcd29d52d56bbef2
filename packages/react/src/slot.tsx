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

function setRef<T>(ref: Ref<T> | undefined, value: T | null): void {
  if (typeof ref === 'function') ref(value);
  else if (ref) (ref as { current: T | null }).current = value;
}

/** One ref callback feeding several refs; memoised so React does not detach and reattach it every render. */
export function useComposedRefs<T>(a: Ref<T> | undefined, b: Ref<T> | undefined): RefCallback<T> {
  return useMemo(
    () => (node: T | null) => {
      setRef(a, node);
      setRef(b, node);
    },
    [a, b],
  );
}

/**
 * The child's own ref: React 19 keeps it in `props.ref`, React 18 on `element.ref`. Each version
 * guards the other place with a warning getter, so read the one that is not guarded.
 */
function childRef(element: ReactElement): Ref<unknown> | undefined {
  const guarded = (target: object) => {
    const get = Object.getOwnPropertyDescriptor(target, 'ref')?.get as
      { isReactWarning?: boolean } | undefined;
    return Boolean(get?.isReactWarning);
  };
  const props = element.props as { ref?: Ref<unknown> };
  const legacy = element as unknown as { ref?: Ref<unknown> };
  if (guarded(props)) return legacy.ref;
  if (guarded(element)) return props.ref;
  return props.ref ?? legacy.ref;
}

export interface SlotProps extends HTMLAttributes<HTMLElement> {
  children?: ReactNode;
}

type AnyProps = Record<string, unknown>;

/**
 * Renders its single child element with the slot's props merged in (for `asChild`): handlers
 * are chained child first, styles merged, class names joined, refs composed; other child props win.
 */
export const Slot = forwardRef<HTMLElement, SlotProps>(function Slot(
  { children, ...slotProps },
  forwardedRef,
) {
  const element = isValidElement(children) ? children : null;
  const ref = useComposedRefs(forwardedRef, element ? childRef(element) : undefined);
  if (!element) {
    throw new Error('Handoff: `asChild` needs exactly one React element as its child.');
  }
  const childProps = element.props as AnyProps;
  const merged: AnyProps = { ...slotProps, ...childProps };
  for (const key of Object.keys(slotProps)) {
    const ours = (slotProps as AnyProps)[key];
    const theirs = childProps[key];
    if (/^on[A-Z]/.test(key) && typeof ours === 'function' && typeof theirs === 'function') {
      merged[key] = (...args: unknown[]) => {
        theirs(...args);
        ours(...args);
      };
    } else if (key === 'style' && ours && theirs) {
      merged.style = { ...(ours as object), ...(theirs as object) };
    } else if (key === 'className' && ours && theirs) {
      merged.className = `${ours as string} ${theirs as string}`;
    }
  }
  merged.ref = ref;
  return cloneElement(element, merged);
});
