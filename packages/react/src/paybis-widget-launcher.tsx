import {
  createPrefetchCache,
  HandoffError,
  openPaybisWidget,
  PAYBIS_WIDGET_MODES,
  prefetchEnabled,
  preparePaybisWidget,
  type OpenResult,
  type PaybisSessionRequest,
  type PaybisSessionResponse,
  type PaybisWidgetEvent,
  type PaybisWidgetMode,
} from '@handoff/core';
import {
  forwardRef,
  useEffect,
  useRef,
  useState,
  type ButtonHTMLAttributes,
  type MouseEvent,
  type RefObject,
} from 'react';
import { useHandoffClient } from './handoff-provider.tsx';
import { composeEventHandlers, Slot } from './slot.tsx';

export type PaybisWidgetLauncherState = 'idle' | 'loading' | 'open' | 'error';

export interface PaybisWidgetLauncherProps
  extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onError' | 'type'>, PaybisSessionRequest {
  /** Render the single child element (your design system's button) with this behaviour. */
  asChild?: boolean;
  /**
   * `overlay` (default): the Paybis modal over the page. `embedded`: inside `container`.
   * `new-tab` / `redirect`: the widget page itself, in a tab opened in the click or in place.
   */
  mode?: PaybisWidgetMode;
  /** `embedded` only: the element (or a ref to it) the widget renders into. */
  container?: RefObject<HTMLElement | null> | HTMLElement | null;
  /** Every widget event (`opened`, `loaded`, `payment-initiated`, …). */
  onEvent?: (event: PaybisWidgetEvent) => void;
  /** The customer completed a transaction. */
  onComplete?: (event: PaybisWidgetEvent) => void;
  /** The overlay was closed; the button is idle again. */
  onClose?: () => void;
  /** The session could not be started or the widget reported an error. */
  onError?: (error: HandoffError) => void;
  /** New tab / redirect: where the widget page opened (a blocked tab falls back to this one). */
  onOpen?: (result: OpenResult) => void;
  /**
   * Fetch the session when the pointer rests on the button or it gets focus, so the click opens
   * the widget at once (default true). A session is used once, only while its token is valid.
   */
  prefetch?: boolean;
}

function invalid(prop: string, expected: string, got: unknown): TypeError {
  return new TypeError(
    `Invalid prop \`${prop}\` supplied to \`PaybisWidgetLauncher\`: expected ${expected}, got ${JSON.stringify(got)}.`,
  );
}

function resolveContainer(container: PaybisWidgetLauncherProps['container']): HTMLElement | null {
  if (!container) return null;
  if ('current' in container) return container.current;
  return container;
}

const asError = (error: unknown): HandoffError =>
  error instanceof HandoffError ? error : new HandoffError('internal', String(error), { cause: error });

/**
 * Starts the Paybis on/off-ramp widget for the signed-in customer: asks the backend for a
 * session (the customer's auth key and, when Paybis knows them, a one-time login token), loads
 * the Paybis script once, and opens the widget. A new tab is opened synchronously in the click.
 *
 * @example
 * <PaybisWidgetLauncher flow="buyCrypto" currencyCodeFrom="EUR" currencyCodeTo="BTC" onComplete={refresh}>
 *   Buy bitcoin
 * </PaybisWidgetLauncher>
 */
export const PaybisWidgetLauncher = forwardRef<HTMLButtonElement, PaybisWidgetLauncherProps>(
  function PaybisWidgetLauncher(props, ref) {
    const {
      flow,
      locale,
      cryptoWalletAddress,
      currencyCodeFrom,
      currencyCodeTo,
      amount,
      successReturnURL,
      failureReturnURL,
      asChild,
      mode = 'overlay',
      container,
      onEvent,
      onComplete,
      onClose,
      onError,
      onOpen,
      prefetch,
      onClick,
      onPointerEnter,
      onFocus,
      children,
      ...rest
    } = props;
    if (process.env.NODE_ENV !== 'production' && !PAYBIS_WIDGET_MODES.includes(mode)) {
      throw invalid('mode', PAYBIS_WIDGET_MODES.map((m) => `"${m}"`).join(', '), mode);
    }
    const client = useHandoffClient();
    const [cache] = useState(() => createPrefetchCache<PaybisSessionResponse>());
    const [state, setState] = useState<PaybisWidgetLauncherState>('idle');
    // Refs, not state: two clicks can land before React re-renders, and callbacks may change while open.
    const busy = useRef(false);
    const inflight = useRef<AbortController | null>(null);
    const cleanupWidget = useRef<(() => void) | null>(null);
    const callbacks = useRef({ onEvent, onComplete, onClose, onError, onOpen });
    useEffect(() => {
      callbacks.current = { onEvent, onComplete, onClose, onError, onOpen };
    });

    // Unmounting: stop a pending request and remove an open widget.
    useEffect(
      () => () => {
        inflight.current?.abort();
        cleanupWidget.current?.();
        cleanupWidget.current = null;
      },
      [],
    );
    // A session fetched ahead belongs to this client (this customer) and this button's life.
    useEffect(() => () => cache.drop(), [cache, client]);

    // Unset params are dropped by JSON serialisation.
    const request: PaybisSessionRequest = {
      flow,
      locale,
      cryptoWalletAddress,
      currencyCodeFrom,
      currencyCodeTo,
      amount,
      successReturnURL,
      failureReturnURL,
    };
    const key = JSON.stringify(request);
    const warm = () => {
      // An embedded widget with nowhere to go fails on click anyway: nothing to fetch for.
      const placed = mode !== 'embedded' || resolveContainer(container);
      if (!busy.current && placed && prefetchEnabled('paybis', prefetch)) {
        cache.prefetch(key, (signal) => client.paybisSession(request, { signal }));
      }
    };

    const handleClick = composeEventHandlers(onClick, (_event: MouseEvent<HTMLButtonElement>) => {
      if (busy.current) return;
      busy.current = true;
      cleanupWidget.current?.();
      cleanupWidget.current = null;

      const fail = (error: HandoffError) => {
        setState('error');
        callbacks.current.onError?.(error);
      };
      const target = mode === 'embedded' ? resolveContainer(container) : null;
      if (mode === 'embedded' && !target) {
        busy.current = false;
        fail(
          new HandoffError(
            'bad_request',
            'PaybisWidgetLauncher: mode="embedded" needs a `container` element.',
          ),
        );
        return;
      }
      // Inside the click, before any await: the only moment a browser lets a new tab open.
      const pending = preparePaybisWidget(mode);
      const controller = new AbortController();
      inflight.current = controller;
      setState('loading');

      cache
        .take(key, controller.signal)
        .then((ready) => ready ?? client.paybisSession(request, { signal: controller.signal }))
        .then((session) =>
          openPaybisWidget(session, {
            mode,
            container: target,
            pending,
            signal: controller.signal,
            onEvent: (event) => callbacks.current.onEvent?.(event),
            onComplete: (event) => callbacks.current.onComplete?.(event),
            onError: (error) => callbacks.current.onError?.(error),
            onOpen: (result) => callbacks.current.onOpen?.(result),
            onClose: () => {
              cleanupWidget.current = null;
              setState('idle');
              callbacks.current.onClose?.();
            },
          }),
        )
        .then(
          (cleanup) => {
            if (controller.signal.aborted) return cleanup();
            if (mode === 'overlay' || mode === 'embedded') {
              cleanupWidget.current = cleanup;
              setState('open');
            } else if (mode === 'new-tab') {
              setState('idle');
            }
            // redirect: this page is being replaced; stay `loading` until it goes.
          },
          (error: unknown) => {
            pending?.close();
            if (controller.signal.aborted) return;
            fail(asError(error));
          },
        )
        .finally(() => {
          busy.current = false;
          if (inflight.current === controller) inflight.current = null;
        });
    });

    const loading = state === 'loading';
    const shared = {
      ...rest,
      ref,
      onClick: handleClick,
      onPointerEnter: composeEventHandlers(onPointerEnter, warm),
      onFocus: composeEventHandlers(onFocus, warm),
      'data-state': state,
      'data-mode': mode,
      'aria-busy': loading || undefined,
      'aria-disabled': loading || rest['aria-disabled'],
    };
    if (asChild) return <Slot {...shared}>{children}</Slot>;
    return (
      <button type="button" {...shared}>
        {children ?? (flow === 'sellCrypto' ? 'Sell crypto' : 'Buy crypto')}
      </button>
    );
  },
);
