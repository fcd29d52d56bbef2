import {
  createPrefetchCache,
  HandoffError,
  type Expiring,
  type HandoffClient,
  type PendingWindow,
} from '@handoff/core';
import {
  isValidElement,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ButtonHTMLAttributes,
  type ForwardedRef,
  type ReactElement,
  type ReactNode,
} from 'react';
import { useHandoffClient } from './handoff-provider.tsx';
import { childRef, composeEventHandlers, slot, useComposedRefs } from './slot.tsx';

/** The props every Handoff button takes besides its own. */
export interface ActionProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onError' | 'type'> {
  /** Render the single child element (a link, your design system's button) with this behaviour. */
  asChild?: boolean;
}

/** What a button does; the mechanics around it are `useAction`'s. */
export interface Action<T, S extends string> {
  /** Identifies the request: what was fetched ahead for another request is not used for this one. */
  key: string;
  /** Whether to fetch ahead now that the customer shows intent (pointer resting on it, focus). */
  prefetch: () => boolean;
  /** Milliseconds a value fetched ahead lives from its request, when known (2Checkout's `validityTime`). */
  life?: number;
  /**
   * Runs inside the click, before any await: the only moment a browser lets a new tab open.
   * `ready` is the value fetched ahead when it has already arrived: the page can open at once.
   * Otherwise `load` has just been called. A throw here aborts it and shows the error.
   */
  prepare: (ready: T | undefined) => PendingWindow | undefined;
  /** Asks the backend for the link or session; a rejection shows and reports the error. */
  load: (client: HandoffClient, signal: AbortSignal) => Promise<T>;
  /** Opens what `load` got (never once aborted); a rejection shows and reports the error. */
  open: (
    value: T,
    pending: PendingWindow | undefined,
    setState: (state: S) => void,
    signal: AbortSignal,
  ) => unknown;
  onError: ((error: HandoffError) => void) | undefined;
}

/**
 * The mechanics both components share: one request at a time, started inside the click (or
 * taken from what was fetched ahead on intent); `data-state`, and `aria-busy` while loading; a
 * failure closes the pending tab, shows `error` and is reported as a `HandoffError`. Unmounting
 * aborts a click that has opened nothing (an overlay or embedded widget still on its way); a
 * click that opened a tab, or is to navigate this page, carries on (see `click`). Renders a
 * `<button>`, or with `asChild` the single child element.
 */
export function useAction<T extends Expiring, S extends string>(
  { asChild, children, onClick, onPointerEnter, onFocus, ...rest }: ActionProps,
  ref: ForwardedRef<HTMLButtonElement>,
  label: ReactNode,
  action: Action<T, S | 'idle' | 'loading' | 'error'>,
): ReactElement {
  const client = useHandoffClient();
  // What was fetched ahead belongs to this client (this customer): another client gets another
  // cache in the very render that brings it, so no click can meet the last customer's link (an
  // effect would empty the old one only after the commit), and the old one's request in flight
  // is dropped. Keyed by the client on purpose, though the factory does not read it.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const cache = useMemo(() => createPrefetchCache<T>(), [client]);
  useEffect(() => cache.drop, [cache]);
  const [state, setState] = useState<string>('idle');
  // The click in flight, as what unmounting does to it. A ref, not the state: two clicks can
  // land before React re-renders with `loading`, and the second must not start another request.
  const inflight = useRef<(() => void) | null>(null);
  useEffect(() => () => inflight.current?.(), []);

  const element = asChild && isValidElement<Record<string, unknown>>(children) ? children : undefined;
  if (process.env.NODE_ENV !== 'production' && asChild && !element) {
    throw new Error('Handoff: `asChild` needs exactly one React element as its child.');
  }
  const composedRef = useComposedRefs<HTMLButtonElement>(ref, element && childRef(element));

  const load = (signal: AbortSignal) => action.load(client, signal);
  const warm = () => {
    if (!inflight.current && action.prefetch()) cache.prefetch(action.key, load, action.life);
  };

  const click = () => {
    if (inflight.current) return;
    const controller = new AbortController();
    const { signal } = controller;
    let pending: PendingWindow | undefined;
    const fail = (error: unknown) => {
      pending?.close();
      if (signal.aborted) return;
      setState('error');
      action.onError?.(
        error instanceof HandoffError ? error : new HandoffError('internal', String(error), { cause: error }),
      );
    };
    // Without a value in hand, ask before the tab opens: the request is on its way while the
    // browser creates the tab (tens of milliseconds, during which this page is blocked).
    // With getToken one client serves whoever is signed in: a link fetched ahead is used only
    // for the customer it was fetched for (the tab then opens blank until that is confirmed).
    const [ready, answer] = cache.claim(action.key, load, signal, client.isCurrent);
    // Once the click has opened a tab (or is to navigate this page), unmounting does not cancel
    // it: the customer asked for that page, and a button that goes away with its click (a menu
    // item, a dialog that closes) must not close the tab it opened, least of all one already at
    // the one-time link. The tab is sent to the link (or closed if the request fails), and
    // onOpen or onError still report it; React drops the state updates. Anything else (an
    // overlay or embedded widget not yet shown) belongs to the component and is aborted.
    inflight.current = () => pending || controller.abort();
    setState('loading');
    try {
      pending = action.prepare(ready);
    } catch (error) {
      fail(error);
      controller.abort();
    }
    answer
      .then((value) => {
        // Aborted (unmounted, nothing opened) after the answer came: `fail` stays silent.
        signal.throwIfAborted();
        return action.open(value, pending, setState, signal);
      })
      .catch(fail)
      .finally(() => {
        inflight.current = null;
      });
  };

  const loading = state === 'loading';
  const props = {
    ...rest,
    ref: composedRef,
    onClick: composeEventHandlers(onClick, click),
    onPointerEnter: composeEventHandlers(onPointerEnter, warm),
    onFocus: composeEventHandlers(onFocus, warm),
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
