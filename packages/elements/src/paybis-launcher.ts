import {
  paybisAction,
  type PaybisFlow,
  type PaybisLaunchOptions,
  type PaybisSessionRequest,
  type PaybisSessionResponse,
  type PaybisWidgetMode,
} from '@handoff/core';
import { HandoffElement, prefetchAttribute, type HandoffOpenDetail } from './base.ts';

export type PaybisLauncherState = 'idle' | 'loading' | 'open' | 'error';

/** Attribute → session parameter; unset attributes are left out. */
const PARAMETERS: Array<[string, keyof PaybisSessionRequest]> = [
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
 * `failure-return-url`, `wallet-address` + `wallet-currency`; `close-on-complete` (close the
 * widget once a transaction completed). Events: `handoff:open`,
 * `handoff:error`, `handoff:widget-event` (every widget event), `handoff:complete`, `handoff:close`.
 *
 * @example
 * <handoff-paybis-launcher mode="overlay" flow="buyCrypto" currency-code-to="BTC">Buy bitcoin</handoff-paybis-launcher>
 */
export class HandoffPaybisLauncherElement extends HandoffElement<
  PaybisLaunchOptions,
  PaybisSessionResponse,
  PaybisLauncherState
> {
  /** `embedded`: the element the widget renders into (wins over the `container` attribute). */
  declare container: HTMLElement | null | undefined;
  protected readonly descriptor = paybisAction;

  protected get defaultLabel(): string {
    return this.getAttribute('flow') === 'sellCrypto' ? 'Sell crypto' : 'Buy crypto';
  }

  protected options(): PaybisLaunchOptions {
    const mode = (this.getAttribute('mode') ?? undefined) as PaybisWidgetMode | undefined;
    const options: PaybisLaunchOptions = {
      mode,
      flow: (this.getAttribute('flow') ?? undefined) as PaybisFlow | undefined,
      container: () => {
        const id = this.getAttribute('container');
        return this.container ?? (id ? document.getElementById(id) : null);
      },
      closeOnComplete: this.hasAttribute('close-on-complete'),
      prefetch: prefetchAttribute(this),
      onEvent: (event) => this.emit('handoff:widget-event', event),
      onComplete: (event) => this.emit('handoff:complete', event),
      onClose: () => this.emit('handoff:close', null),
      onError: (error) => this.reportError(error),
      onOpen: (result) =>
        this.emit<HandoffOpenDetail>('handoff:open', { provider: 'paybis', mode: mode ?? 'overlay', result }),
    };
    for (const [attribute, option] of PARAMETERS) {
      const value = this.getAttribute(attribute);
      if (value !== null) (options as Record<string, string>)[option] = value;
    }
    const address = this.getAttribute('wallet-address');
    const currencyCode = this.getAttribute('wallet-currency');
    if (address && currencyCode) options.cryptoWalletAddress = { address, currencyCode };
    return options;
  }
}
