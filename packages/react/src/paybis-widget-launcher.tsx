import {
  paybisAction,
  type HandoffError,
  type OpenResult,
  type PaybisLaunchOptions,
  type PaybisSessionRequest,
  type PaybisWidgetEvent,
  type PaybisWidgetMode,
} from '@handoff/core';
import { forwardRef, type RefObject } from 'react';
import { ActionButton, checkProps, useAction, type ActionProps } from './action.tsx';

export type PaybisWidgetLauncherState = 'idle' | 'loading' | 'open' | 'error';

export interface PaybisWidgetLauncherProps extends ActionProps, PaybisSessionRequest {
  /**
   * `overlay` (default): the Paybis modal over the page. `embedded`: inside `container`.
   * `new-tab` / `redirect`: the widget page itself, in a tab opened in the click or in place.
   */
  mode?: PaybisWidgetMode;
  /** `embedded` only: the element (or a ref to it) the widget renders into. */
  container?: RefObject<HTMLElement | null> | HTMLElement | null;
  /**
   * Close the overlay (or remove the embedded widget) once the customer completed a transaction,
   * after `onComplete`; `onClose` follows. By default the widget stays open on its own result page.
   */
  closeOnComplete?: boolean;
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
      closeOnComplete,
      onEvent,
      onComplete,
      onClose,
      onError,
      onOpen,
      prefetch,
      ...rest
    } = props;
    const options: PaybisLaunchOptions = {
      flow,
      locale,
      cryptoWalletAddress,
      currencyCodeFrom,
      currencyCodeTo,
      amount,
      successReturnURL,
      failureReturnURL,
      mode,
      container: () => (container && 'current' in container ? container.current : container),
      closeOnComplete,
      prefetch,
      onEvent,
      onComplete,
      onClose,
      onError,
      // A widget shown on this page opens no page to report.
      onOpen: (result) => result && onOpen?.(result),
    };
    if (process.env.NODE_ENV !== 'production') checkProps(paybisAction, options, 'PaybisWidgetLauncher');
    const action = useAction(paybisAction, options);
    return (
      <ActionButton
        {...rest}
        data-mode={mode}
        action={action}
        buttonRef={ref}
        label={flow === 'sellCrypto' ? 'Sell crypto' : 'Buy crypto'}
      />
    );
  },
);
