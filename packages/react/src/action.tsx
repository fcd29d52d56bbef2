import {
  createAction,
  HandoffOptionError,
  type Action,
  type ActionCallbacks,
  type ActionDescriptor,
  type ActionSnapshot,
  type Expiring,
} from '@handoff/core';
import {
  isValidElement,
  useEffect,
  useLayoutEffect,
  useMemo,
  useSyncExternalStore,
  type ButtonHTMLAttributes,
  type ReactElement,
  type ReactNode,
  type Ref,
} from 'react';
import { useHandoffClient } from './handoff-provider.tsx';
import { childRef, composeEventHandlers, slot, useComposedRefs } from './slot.tsx';

/** The props every Handoff button takes besides its own. */
export interface ActionProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onError' | 'type'> {
  /**
   * Render the single child element (a link, your design system's button) with this behaviour
   * instead of a `<button>`: its props, handlers and ref are merged with the button's.
   */
  asChild?: boolean;
}

// Layout effects do not run on the server, where React warns about them.
const useClientLayoutEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect;

/**
 * Development builds check the props once per render and name a bad one, the way React's own
 * prop checks do; the rules themselves are the descriptor's, which applies them again on click.
 */
export function checkProps<Options>(
  descriptor: Pick<ActionDescriptor<Options, Expiring>, 'check'>,
  props: Options,
  component: string,
): void {
  try {
    descriptor.check(props, true);
  } catch (error) {
    if (!(error instanceof HandoffOptionError)) throw error;
    throw new TypeError(
      `Invalid prop \`${error.option}\` supplied to \`${component}\`: expected ${error.expected}, got ${JSON.stringify(error.received)}.`,
    );
  }
}

/**
 * Binds core's action for `descriptor` to the nearest `<HandoffProvider>`'s client. The action
 * belongs to that client (that customer): another client gets another action in the very render
 * that brings it, so no click can meet what was fetched ahead for the last customer, and the old
 * one is disposed. The options are the latest props from the commit on.
 */
export function useAction<Options extends ActionCallbacks, Value extends Expiring>(
  descriptor: ActionDescriptor<Options, Value>,
  options: Options,
): Action<Options> {
  const client = useHandoffClient();
  // Options and descriptor reach the action through setOptions; only the client makes a new one.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const action = useMemo(() => createAction(client, descriptor, options), [client]);
  useClientLayoutEffect(() => action.setOptions(options));
  useEffect(() => action.dispose, [action]);
  return action;
}

export interface ActionButtonProps extends ActionProps {
  action: Action<never>;
  /** The label when there are no children. */
  label: ReactNode;
  buttonRef: Ref<HTMLButtonElement> | undefined;
}

/**
 * A `<button type="button">` (or with `asChild` the single child element) bound to an action:
 * intent on pointer rest and focus, the click, `data-state`, and `aria-busy` while loading. The
 * user's handlers run first; `preventDefault()` in one opts out of the built-in behaviour.
 */
export function ActionButton({
  action,
  label,
  buttonRef,
  asChild,
  children,
  onClick,
  onPointerEnter,
  onFocus,
  ...rest
}: ActionButtonProps): ReactElement {
  const { state } = useSyncExternalStore<ActionSnapshot>(
    action.subscribe,
    action.getSnapshot,
    action.getSnapshot,
  );
  const element = asChild && isValidElement<Record<string, unknown>>(children) ? children : undefined;
  if (process.env.NODE_ENV !== 'production' && asChild && !element) {
    throw new Error('Handoff: `asChild` needs exactly one React element as its child.');
  }
  const ref = useComposedRefs<HTMLButtonElement>(buttonRef, element && childRef(element));
  const loading = state === 'loading';
  const props = {
    ...rest,
    ref,
    onClick: composeEventHandlers(onClick, action.click),
    onPointerEnter: composeEventHandlers(onPointerEnter, action.intent),
    onFocus: composeEventHandlers(onFocus, action.intent),
    'data-state': state,
    'aria-busy': loading || undefined,
    'aria-disabled': loading || rest['aria-disabled'],
  };
  return element ? (
    slot(element, props)
  ) : (
    <button type="button" {...props}>
      {children ?? label}
    </button>
  );
}
