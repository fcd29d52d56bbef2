import type { ActionCallbacks, ActionDescriptor } from './action.ts';
import { HandoffOptionError } from './errors.ts';
import {
  PAYBIS_WIDGET_MODES,
  preparePaybisWidget,
  type PaybisWidgetEvent,
  type PaybisWidgetMode,
} from './paybis.ts';
import type * as PaybisWidgetCode from './paybis-widget.ts';
import type { PaybisSessionRequest, PaybisSessionResponse } from './wire.ts';

/** The options of a button that starts the Paybis widget. */
export interface PaybisLaunchOptions extends ActionCallbacks, PaybisSessionRequest {
  /** `overlay` (default), `embedded` (into `container`), `new-tab` or `redirect` (the widget page itself). */
  mode?: PaybisWidgetMode;
  /** `embedded` only: the element the widget renders into, or a function that finds it when needed. */
  container?: HTMLElement | null | (() => HTMLElement | null | undefined);
  /** Close an overlay or embedded widget once the customer completed a transaction. */
  closeOnComplete?: boolean;
  /** Fetch the session ahead on intent (default true). */
  prefetch?: boolean;
  /** Every widget event. */
  onEvent?: (event: PaybisWidgetEvent) => void;
  /** The customer completed a transaction. */
  onComplete?: (event: PaybisWidgetEvent) => void;
  /** The widget closed; the button is idle again. */
  onClose?: () => void;
}

/**
 * The widget code (script loader, overlay and embedded handling, widget messages), loaded once,
 * on intent or with the click's request: pages pay for it only when a customer reaches for it.
 */
let widgetCode: Promise<typeof PaybisWidgetCode> | undefined;
const loadWidgetCode = () => {
  widgetCode ??= import('./paybis-widget.ts');
  // A failed load (offline for a moment) is tried again next time.
  widgetCode.catch(() => (widgetCode = undefined));
  return widgetCode;
};

const PAYBIS_FLOWS = ['buyCrypto', 'sellCrypto'];

// Development builds only: production leaves the words out and the refusal to the backend.
function checkPaybis({ mode = 'overlay', flow }: PaybisLaunchOptions, _strict?: boolean): void {
  if (!PAYBIS_WIDGET_MODES.includes(mode)) {
    throw new HandoffOptionError('mode', PAYBIS_WIDGET_MODES.map((m) => `"${m}"`).join(', '), mode);
  }
  if (flow !== undefined && !PAYBIS_FLOWS.includes(flow)) {
    throw new HandoffOptionError('flow', '"buyCrypto" or "sellCrypto"', flow);
  }
}

/**
 * Paybis: a session (the customer's auth key and, when Paybis knows them, a one-time login
 * token) fetched ahead by default; the widget opens as an overlay, into a container, or as its
 * own page in a tab opened in the click or in place.
 */
export const paybisAction: ActionDescriptor<PaybisLaunchOptions, PaybisSessionResponse> = {
  check(options, strict) {
    if (process.env.NODE_ENV !== 'production') checkPaybis(options, strict);
  },
  plan(options) {
    paybisAction.check(options);
    const {
      mode = 'overlay',
      container,
      flow,
      locale,
      cryptoWalletAddress,
      currencyCodeFrom,
      currencyCodeTo,
      amount,
      successReturnURL,
      failureReturnURL,
    } = options;
    // Resolved when used: a ref to an element rendered after the button is set by then.
    const place = typeof container === 'function' ? container() : container;
    if (mode === 'embedded' && !place) {
      throw new HandoffOptionError('container', 'an element on the page (mode="embedded")', null);
    }
    // Unset parameters are dropped by JSON serialisation.
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
    const onPage = mode === 'overlay' || mode === 'embedded';
    return {
      key: JSON.stringify(request),
      prefetch: options.prefetch !== false,
      load: (client, signal) => client.paybisSession(request, { signal }),
      // A widget page in a tab needs no widget code.
      warm: onPage ? loadWidgetCode : undefined,
      prepare: (ready) => preparePaybisWidget(mode, undefined, ready?.widgetUrl),
      async open(session, { pending, signal, options: latest, closed }) {
        if (pending) {
          const result = pending.navigate(session.widgetUrl);
          // redirect: this page is being replaced; it stays `loading` until it goes.
          return { state: mode === 'new-tab' ? 'idle' : 'loading', result };
        }
        const { openPaybisWidget } = await loadWidgetCode();
        signal.throwIfAborted();
        const close = await openPaybisWidget(session, {
          mode,
          container: place,
          signal,
          closeOnComplete: options.closeOnComplete,
          onEvent: (event) => latest().onEvent?.(event),
          onComplete: (event) => latest().onComplete?.(event),
          // The widget stays open: reported without leaving the open state.
          onError: (error) => latest().onError?.(error),
          onClose: () => {
            closed();
            latest().onClose?.();
          },
        });
        return { state: 'open', result: null, close };
      },
    };
  },
};
