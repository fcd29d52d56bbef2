import {
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
import { forwardRef, useEffect, useRef, type RefObject } from 'react';
import { useAction, type ActionProps } from './action.tsx';

export type PaybisWidgetLauncherState = 'idle' | 'loading' | 'open' | 'error';

export interface PaybisWidgetLauncherProps extends ActionProps, PaybisSessionRequest {
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
  /** The widget was closed (an embedded one is removed); the button is idle again. */
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
      mode = 'overlay',
      container,
      onEvent: _onEvent,
      onComplete: _onComplete,
      onClose: _onClose,
      onError: _onError,
      onOpen: _onOpen,
      prefetch,
      ...rest
    } = props;
    if (process.env.NODE_ENV !== 'production' && !PAYBIS_WIDGET_MODES.includes(mode)) {
      throw invalid('mode', PAYBIS_WIDGET_MODES.map((m) => `"${m}"`).join(', '), mode);
    }
    // Refs, not state: the callbacks may change while the widget is open, and an open widget is
    // removed on unmount and on the next click.
    const latest = useRef(props);
    const widget = useRef<(() => void) | null>(null);
    useEffect(() => {
      latest.current = props;
    });
    const closeWidget = () => {
      widget.current?.();
      widget.current = null;
    };
    useEffect(() => closeWidget, []);
    // Resolved when used: a ref to an element rendered after this button is set by then.
    const place = () => (container && 'current' in container ? container.current : container);
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

    return useAction<PaybisSessionResponse, PaybisWidgetLauncherState>(
      { ...rest, 'data-mode': mode } as ActionProps,
      ref,
      flow === 'sellCrypto' ? 'Sell crypto' : 'Buy crypto',
      {
        key: JSON.stringify(request),
        // An embedded widget with nowhere to go fails on click anyway: nothing to fetch for.
        prefetch: () => (mode !== 'embedded' || !!place()) && prefetchEnabled('paybis', prefetch),
        prepare: (ready) => {
          closeWidget();
          return preparePaybisWidget(mode, undefined, ready?.widgetUrl);
        },
        // Checked before asking: a session for a widget with nowhere to go would be wasted.
        load: async (client, signal) => {
          if (mode === 'embedded' && !place()) {
            throw new HandoffError('bad_request', 'Handoff: the embedded Paybis widget needs a `container`.');
          }
          return client.paybisSession(request, { signal });
        },
        open: (session, pending, setState, signal) =>
          openPaybisWidget(session, {
            mode,
            container: place(),
            pending,
            signal,
            onEvent: (event) => latest.current.onEvent?.(event),
            onComplete: (event) => latest.current.onComplete?.(event),
            onError: (error) => latest.current.onError?.(error),
            onOpen: (result) => latest.current.onOpen?.(result),
            onClose: () => {
              closeWidget();
              setState('idle');
              latest.current.onClose?.();
            },
          }).then((cleanup) => {
            if (signal.aborted) return cleanup();
            if (mode === 'overlay' || mode === 'embedded') {
              widget.current = cleanup;
              setState('open');
            } else if (mode === 'new-tab') setState('idle');
            // redirect: this page is being replaced; stay `loading` until it goes.
          }),
        onError: (error) => latest.current.onError?.(error),
      },
    );
  },
);
