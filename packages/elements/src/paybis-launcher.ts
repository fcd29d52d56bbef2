import {
  openPaybisWidget,
  PAYBIS_WIDGET_MODES,
  prefetchEnabled,
  preparePaybisWidget,
  type PaybisFlow,
  type PaybisSessionRequest,
  type PaybisSessionResponse,
  type PaybisWidgetEvent,
  type PaybisWidgetMode,
  type PendingWindow,
} from '@handoff/core';
import {
  badAttribute,
  HandoffElement,
  prefetchAttribute,
  type ElementRequest,
  type HandoffErrorDetail,
  type HandoffOpenDetail,
} from './base.ts';

const TAG = 'handoff-paybis-launcher';

export type PaybisLauncherState = 'idle' | 'loading' | 'open' | 'error';

/** Attribute → session parameter; unset attributes are left out. */
const PARAMS: Array<[string, keyof PaybisSessionRequest]> = [
  ['locale', 'locale'],
  ['currency-code-from', 'currencyCodeFrom'],
  ['currency-code-to', 'currencyCodeTo'],
  ['amount', 'amount'],
  ['success-return-url', 'successReturnURL'],
  ['failure-return-url', 'failureReturnURL'],
];

/**
 * `<handoff-paybis-launcher>`: starts the Paybis on/off-ramp widget for the signed-in customer,
 * logged in when Paybis already knows them. The session is fetched ahead when the pointer rests
 * on the button or it gets focus (`prefetch="false"` turns that off).
 *
 * Attributes: `mode` (`overlay` default | `embedded` | `new-tab` | `redirect`); `container` (the
 * id of the element the embedded widget renders into, or set the `container` property); `flow`,
 * `locale`, `currency-code-from`, `currency-code-to`, `amount`, `success-return-url`,
 * `failure-return-url`, `wallet-address` + `wallet-currency`. Events: `handoff:open`,
 * `handoff:error`, `handoff:widget-event` (every widget event), `handoff:complete`, `handoff:close`.
 *
 * @example
 * <handoff-paybis-launcher mode="overlay" flow="buyCrypto" currency-code-to="BTC">Buy bitcoin</handoff-paybis-launcher>
 */
export class HandoffPaybisLauncherElement extends HandoffElement<PaybisSessionResponse, PaybisLauncherState> {
  /** `embedded`: the element the widget renders into (wins over the `container` attribute). */
  declare container: HTMLElement | null | undefined;
  #cleanup: (() => void) | null = null;

  protected get defaultLabel(): string {
    return this.getAttribute('flow') === 'sellCrypto' ? 'Sell crypto' : 'Buy crypto';
  }

  #mode(): PaybisWidgetMode {
    const mode = (this.getAttribute('mode') ?? 'overlay') as PaybisWidgetMode;
    if (!PAYBIS_WIDGET_MODES.includes(mode)) {
      throw badAttribute(TAG, 'mode', PAYBIS_WIDGET_MODES.join(', '), mode);
    }
    return mode;
  }

  #container(): HTMLElement | null {
    const id = this.getAttribute('container');
    return this.container ?? (id ? document.getElementById(id) : null);
  }

  protected request(): ElementRequest<PaybisSessionResponse> {
    if (this.#mode() === 'embedded' && !this.#container()) {
      throw badAttribute(
        TAG,
        'container',
        'the id of an element on the page (mode="embedded")',
        this.getAttribute('container'),
      );
    }
    const flow = this.getAttribute('flow');
    if (flow !== null && flow !== 'buyCrypto' && flow !== 'sellCrypto') {
      throw badAttribute(TAG, 'flow', '"buyCrypto" or "sellCrypto"', flow);
    }
    const request: PaybisSessionRequest = { flow: (flow ?? undefined) as PaybisFlow | undefined };
    for (const [attribute, param] of PARAMS) {
      const value = this.getAttribute(attribute);
      if (value !== null) (request as Record<string, string>)[param] = value;
    }
    const address = this.getAttribute('wallet-address');
    const currencyCode = this.getAttribute('wallet-currency');
    if (address && currencyCode) request.cryptoWalletAddress = { address, currencyCode };
    return {
      key: JSON.stringify(request),
      load: (client, signal) => client.paybisSession(request, { signal }),
      prefetch: prefetchEnabled('paybis', prefetchAttribute(this)),
    };
  }

  protected prepare(ready: PaybisSessionResponse | undefined): PendingWindow | undefined {
    // A new click replaces a widget that is still open.
    this.#close();
    return preparePaybisWidget(this.#mode(), undefined, ready?.widgetUrl);
  }

  protected async open(
    session: PaybisSessionResponse,
    pending: PendingWindow | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const mode = this.#mode();
    const emit = (type: string) => (event: PaybisWidgetEvent) => this.emit(type, event);
    const cleanup = await openPaybisWidget(session, {
      mode,
      container: this.#container(),
      pending,
      signal,
      onEvent: emit('handoff:widget-event'),
      onComplete: emit('handoff:complete'),
      // The widget stays open: report it without leaving the open state.
      onError: (error) => this.emit<HandoffErrorDetail>('handoff:error', { error }),
      onOpen: (result) => this.emit<HandoffOpenDetail>('handoff:open', { provider: 'paybis', mode, result }),
      onClose: () => {
        this.#close();
        this.setState('idle');
        this.emit('handoff:close', null);
      },
    });
    if (signal.aborted) return cleanup();
    if (pending) {
      // redirect: this page is being replaced; it stays `loading` until it goes.
      if (mode === 'new-tab') this.setState('idle');
      return;
    }
    this.#cleanup = cleanup;
    this.setState('open');
    this.emit<HandoffOpenDetail>('handoff:open', { provider: 'paybis', mode, result: null });
  }

  #close(): void {
    this.#cleanup?.();
    this.#cleanup = null;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#close();
  }
}
