import {
  createHandoffClient,
  createPrefetchCache,
  HandoffError,
  type Expiring,
  type HandoffClient,
  type OpenResult,
  type PaybisWidgetMode,
  type PendingWindow,
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

/** What an element needs to ask the backend for, worked out from its attributes. */
export interface ElementRequest<T> {
  /** Identifies the request for the prefetch cache: a different request is a different link. */
  key: string;
  load: (client: HandoffClient, signal: AbortSignal) => Promise<T>;
  /** Whether fetching ahead of the click is on for this request. */
  prefetch: boolean;
  /** Milliseconds a value fetched ahead lives from its request, when known (2Checkout's `validity-time`). */
  life?: number;
}

/** Lets the module load where `HTMLElement` does not exist (server rendering); nothing is defined there. */
const Base = (typeof HTMLElement === 'undefined' ? class {} : HTMLElement) as typeof HTMLElement;

export const badAttribute = (element: string, name: string, expected: string, got: string | null) =>
  new HandoffError(
    'bad_request',
    `<${element}>: attribute "${name}" must be ${expected}, got ${JSON.stringify(got)}.`,
  );

const asError = (error: unknown): HandoffError =>
  error instanceof HandoffError ? error : new HandoffError('internal', String(error), { cause: error });

/** `prefetch` attribute: absent → `undefined` (the provider's default); `"false"`/`"off"` → off; else on. */
export function prefetchAttribute(element: HTMLElement): boolean | undefined {
  const value = element.getAttribute('prefetch');
  return value === null ? undefined : value !== 'false' && value !== 'off';
}

/**
 * What both elements share: a real light-DOM `<button type="button">` (the element's children
 * become its label, or a child button is used as it is), `data-state` on the element and the
 * button, `aria-busy` while loading, intent prefetch, and `handoff:*` events that bubble.
 */
export abstract class HandoffElement<
  T extends Expiring,
  State extends string = 'idle' | 'loading' | 'error',
> extends Base {
  /**
   * A ready client for this element; otherwise the `url` + `token` (or `token-url`) attributes, then
   * `Handoff.configure`. Declared only: a field initialiser would wipe a value the page set
   * before the element was defined (upgraded).
   */
  declare client: HandoffClient | undefined;
  #button: HTMLButtonElement | null = null;
  #own: [string, HandoffClient] | undefined;
  #cacheFor: HandoffClient | undefined;
  /** The click in flight, as what leaving the page does to it. */
  #inflight: (() => void) | null = null;
  #cache = createPrefetchCache<T>();

  protected abstract readonly defaultLabel: string;
  /** Reads the attributes; throws a `HandoffError` naming a bad one. */
  protected abstract request(): ElementRequest<T>;
  /**
   * Runs synchronously in the click: the only moment a browser lets a new tab open. `ready` is
   * the value fetched ahead when it has already arrived: the page can open at once.
   */
  protected abstract prepare(ready: T | undefined): PendingWindow | undefined;
  /** Opens the page or widget once the link or session is there. */
  protected abstract open(value: T, pending: PendingWindow | undefined, signal: AbortSignal): Promise<void>;

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
    this.setState((this.dataset.state as State) ?? 'idle');
  }

  disconnectedCallback(): void {
    for (const type of ['click', 'pointerenter', 'focus']) this.#button?.removeEventListener(type, this);
    this.#button = null;
    // Leaving the page: nothing prefetched outlives the element, and a click that opened
    // nothing stops (see #click).
    this.#inflight?.();
    this.#cache.drop();
  }

  /** One listener object for every event: no bound functions to keep. */
  handleEvent(event: Event): void {
    if (event.type === 'click') this.#click();
    else this.#prefetch();
  }

  protected setState(state: State): void {
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

  protected fail(error: unknown): void {
    this.setState('error' as State);
    this.emit<HandoffErrorDetail>('handoff:error', { error: asError(error) });
  }

  #client(): HandoffClient {
    let client = this.client;
    const url = this.getAttribute('url');
    const token = this.getAttribute('token');
    const tokenUrl = this.getAttribute('token-url');
    if (!client && url && (token || tokenUrl)) {
      const id = `${url} ${token} ${tokenUrl}`;
      if (this.#own?.[0] !== id) {
        this.#own = [id, createHandoffClient({ url, auth: token ? { token } : { tokenUrl: tokenUrl! } })];
      }
      client = this.#own[1];
    }
    client ??= configuredClient();
    if (!client) {
      throw new HandoffError(
        'bad_request',
        'Handoff: no backend. Call Handoff.configure({ url, token }) or set the url and token attributes.',
      );
    }
    // Another client may be another customer: what was prefetched for the last one goes.
    if (client !== this.#cacheFor) this.#cache.drop();
    this.#cacheFor = client;
    return client;
  }

  #prefetch(): void {
    if (this.#inflight) return;
    try {
      const { key, load, prefetch, life } = this.request();
      const client = this.#client();
      if (prefetch) this.#cache.prefetch(key, (signal) => load(client, signal), life);
    } catch {
      // Bad attributes or no backend: the click reports it.
    }
  }

  #click(): void {
    if (this.#inflight) return;
    let request: ElementRequest<T>;
    let client: HandoffClient;
    try {
      request = this.request();
      client = this.#client();
    } catch (error) {
      return this.fail(error);
    }
    const controller = new AbortController();
    const { signal } = controller;
    let pending: PendingWindow | undefined;
    // Once the click has opened a tab (or is to navigate this page), leaving the page does not
    // cancel it: the customer asked for that page, and an element removed by its own click (a
    // menu item) must not close the tab it opened. The tab is sent to the link, or closed if the
    // request fails, and the events are still dispatched (on the element: a detached one no
    // longer bubbles to the document). Anything else (an overlay or embedded widget not yet
    // shown) is aborted, and the element is idle again: back on the page, it must not show
    // `loading` with nothing in flight.
    this.#inflight = () => pending || (controller.abort(), this.setState('idle' as State));
    // Without a value in hand, ask before the tab opens: the request is on its way while the
    // browser creates the tab (tens of milliseconds, during which this page is blocked).
    // With getToken one client serves whoever is signed in: a link fetched ahead is used only
    // for the customer it was fetched for (the tab then opens blank until that is confirmed).
    const [ready, answer] = this.#cache.claim(
      request.key,
      (s) => request.load(client, s),
      signal,
      client.isCurrent,
    );
    this.setState('loading' as State);
    try {
      pending = this.prepare(ready);
    } catch (error) {
      this.fail(error);
      controller.abort();
    }
    answer
      .then((value) => {
        if (signal.aborted) throw signal.reason;
        return this.open(value, pending, signal);
      })
      .catch((error: unknown) => {
        pending?.close();
        if (!signal.aborted) this.fail(error);
      })
      .finally(() => {
        this.#inflight = null;
      });
  }
}
