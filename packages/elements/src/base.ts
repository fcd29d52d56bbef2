import {
  createAction,
  createHandoffClient,
  HandoffError,
  HandoffOptionError,
  type Action,
  type ActionCallbacks,
  type ActionDescriptor,
  type ActionState,
  type Expiring,
  type HandoffClient,
  type OpenResult,
  type PaybisWidgetMode,
  type ProviderName,
} from '@handoff/core';
import { configuredClient } from './configure.ts';

/** `handoff:open`: the provider page or widget opened. */
export interface HandoffOpenDetail {
  provider: ProviderName;
  /** Paybis only: how the widget opened. */
  mode?: PaybisWidgetMode;
  /** Where a page opened (`null` for the Paybis overlay and embedded widget, which stay on this page). */
  result: OpenResult | null;
}

/** `handoff:error`: the link or session could not be obtained, or the widget reported an error. */
export interface HandoffErrorDetail {
  error: HandoffError;
}

/** Lets the module load where `HTMLElement` does not exist (server rendering); nothing is defined there. */
const Base = (typeof HTMLElement === 'undefined' ? class {} : HTMLElement) as typeof HTMLElement;

/** `prefetch` attribute: absent → `undefined` (the provider's default); `"false"`/`"off"` → off; else on. */
export function prefetchAttribute(element: HTMLElement): boolean | undefined {
  const value = element.getAttribute('prefetch');
  return value === null ? undefined : value !== 'false' && value !== 'off';
}

/**
 * What both elements share: a real light-DOM `<button type="button">` (the element's children
 * become its label, or a child button is used as it is), bound to core's action for the
 * element's descriptor; `data-state` on the element and the button, `aria-busy` while loading,
 * and `handoff:*` events that bubble. The element only maps attributes to options and reports
 * to events: what a click does is the action's.
 */
export abstract class HandoffElement<
  Options extends ActionCallbacks,
  Value extends Expiring,
  State extends string = ActionState,
> extends Base {
  /**
   * A ready client for this element; otherwise the `url` + `token` (or `token-url`) attributes, then
   * `Handoff.configure`. Declared only: a field initialiser would wipe a value the page set
   * before the element was defined (upgraded).
   */
  declare client: HandoffClient | undefined;
  #button: HTMLButtonElement | null = null;
  #own: { id: string; client: HandoffClient } | undefined;
  #action: Action<Options> | undefined;

  protected abstract readonly defaultLabel: string;
  protected abstract readonly descriptor: ActionDescriptor<Options, Value>;
  /** The options its attributes say; the descriptor checks them on intent and click. */
  protected abstract options(): Options;

  /** The element's current state, also in its `data-state` attribute. */
  get state(): State {
    return (this.dataset.state ?? 'idle') as State;
  }

  /** The button that carries the element's behaviour. */
  get button(): HTMLButtonElement | null {
    return this.#button;
  }

  connectedCallback(): void {
    // Upgraded while the parser is still inside the element: wait for its children (the label).
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', () => this.isConnected && this.connectedCallback(), {
        once: true,
      });
      return;
    }
    if (this.#button?.isConnected) return;
    let button = this.querySelector('button');
    if (!button) {
      button = document.createElement('button');
      button.append(...this.childNodes);
      if (!button.textContent?.trim()) button.textContent = this.defaultLabel;
      this.append(button);
    }
    button.type = 'button';
    this.#button = button;
    for (const type of ['click', 'pointerenter', 'focus']) button.addEventListener(type, this);
    if (!this.#action) {
      this.#action = createAction(() => this.#client(), this.descriptor, this.options());
      this.#action.subscribe(() => this.#render());
    }
    this.#render();
  }

  disconnectedCallback(): void {
    for (const type of ['click', 'pointerenter', 'focus']) this.#button?.removeEventListener(type, this);
    this.#button = null;
    // Leaving the page: nothing fetched ahead outlives the element, an open widget closes, and
    // a click that opened nothing stops (the element is idle again).
    this.#action?.dispose();
  }

  /** One listener object for every event: no bound functions to keep. */
  handleEvent(event: Event): void {
    const action = this.#action!;
    action.setOptions(this.options());
    if (event.type === 'click') action.click();
    else action.intent();
  }

  #render(): void {
    const { state } = this.#action!.getSnapshot();
    this.dataset.state = state;
    const button = this.#button;
    if (!button) return;
    button.dataset.state = state;
    for (const name of ['aria-busy', 'aria-disabled']) {
      if (state === 'loading') button.setAttribute(name, 'true');
      else button.removeAttribute(name);
    }
  }

  protected emit<D>(type: string, detail: D): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** Reports an error; one about an option names the attribute it came from. */
  protected reportError(error: HandoffError): void {
    if (error instanceof HandoffOptionError) {
      const attribute = error.option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
      error = new HandoffError(
        'bad_request',
        `<${this.localName}>: attribute "${attribute}" must be ${error.expected}, got ${JSON.stringify(this.getAttribute(attribute))}.`,
      );
    }
    this.emit<HandoffErrorDetail>('handoff:error', { error });
  }

  #client(): HandoffClient {
    const url = this.getAttribute('url');
    const token = this.getAttribute('token');
    let client = this.client;
    const tokenUrl = this.getAttribute('token-url');
    if (!client && url && (token || tokenUrl)) {
      const id = `${url} ${token} ${tokenUrl}`;
      if (this.#own?.id !== id) {
        this.#own = {
          id,
          client: createHandoffClient({ url, auth: token ? { token } : { tokenUrl: tokenUrl! } }),
        };
      }
      client = this.#own.client;
    }
    client ??= configuredClient();
    if (!client) {
      throw new HandoffError(
        'bad_request',
        'Handoff: no backend. Call Handoff.configure({ url, token }) or set the url and token attributes.',
      );
    }
    return client;
  }
}
