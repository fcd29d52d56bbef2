import {
  cloneElement,
  useMemo,
  version,
  type ReactElement,
  type Ref,
  type RefCallback,
  type SyntheticEvent,
} from 'react';

type AnyProps = Record<string, unknown>;

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
        else if (ref) ref.current = node;
      }
    },
    [a, b],
  );
}

/**
 * The child's own ref: React 19 keeps it in `props.ref`, React 18 on `element.ref`. Each version
 * warns when the other place is read, so read only the one this version uses.
 */
export const childRef = <T,>(element: ReactElement<AnyProps>): Ref<T> | undefined =>
  ((parseInt(version) > 18 ? element.props : element) as { ref?: Ref<T> }).ref;

/**
 * Renders `element` with `props` merged in (for `asChild`): handlers are chained child first,
 * styles merged, class names joined; other child props win. `props.ref` replaces the child's
 * ref, so it must already feed it (`useComposedRefs(ref, childRef(element))`).
 */
export function slot(element: ReactElement<AnyProps>, { ref, ...props }: AnyProps): ReactElement {
  const own = element.props;
  const merged: AnyProps = { ...props, ...own };
  // `ref` stays out of the loop: React 18 warns when a child's `props.ref` is read.
  for (const key in props) {
    const ours = props[key];
    const theirs = own[key];
    // Among DOM props only event handlers are functions (the ref is set below).
    if (typeof ours === 'function' && typeof theirs === 'function') {
      merged[key] = (...args: unknown[]) => {
        theirs(...args);
        ours(...args);
      };
    }
  }
  if (props.style && own.style) merged.style = { ...props.style, ...own.style };
  if (props.className && own.className)
    merged.className = `${props.className as string} ${own.className as string}`;
  merged.ref = ref;
  return cloneElement(element, merged);
}
