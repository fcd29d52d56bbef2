import { HandoffAbortError, HandoffProviderError } from './errors.ts';
import type { PendingWindow } from './open-window.ts';
import {
  preparePaybisWidget,
  type PaybisWidgetCallbacks,
  type PaybisWidgetEvent,
  type PaybisWidgetMode,
} from './paybis.ts';
import { loadScript } from './script-loader.ts';
import type { PaybisSessionResponse } from './wire.ts';

// The widget-specific code: loaded on intent (pointer rests, focus, or the click itself), in
// parallel with the session request, so a page pays for it only when a customer reaches for it.

export { loadScript, type LoadScriptOptions } from './script-loader.ts';

/** What `partner-exchange-widget.js` defines on `window`. */
export interface PartnerExchangeWidget {
  open(options: { requestId: string; oneTimeToken?: string }): void;
  openInEmbed(options: { requestId: string; oneTimeToken?: string }, element: HTMLElement): void;
  close?(): void;
}

export interface OpenPaybisWidgetOptions extends PaybisWidgetCallbacks {
  mode: PaybisWidgetMode;
  /** `embedded` only: the element the widget renders into. */
  container?: HTMLElement | null;
  /** `new-tab` / `redirect`: the window prepared in the click by `preparePaybisWidget`. */
  pending?: PendingWindow;
  /** Stops opening if aborted before the widget is shown (rejects with HandoffAbortError). */
  signal?: AbortSignal;
  /** Defaults to the global window. */
  window?: Window;
  /** Closes an overlay or embedded widget once the customer completed a transaction (then `onClose`). */
  closeOnComplete?: boolean;
}

type WidgetWindow = Window & { PartnerExchangeWidget?: PartnerExchangeWidget };

/** A widget message as a typed event, or null when it is not one. Accepts objects and JSON strings. */
export function parsePaybisEvent(message: unknown): PaybisWidgetEvent | null {
  try {
    // Not JSON, or nothing to destructure (`null`, `undefined`): not an event either way.
    const { name, data } = (typeof message === 'string' ? JSON.parse(message) : message) as {
      name?: unknown;
      data?: unknown;
    };
    if (typeof name !== 'string' || !/^[A-Za-z][\w-]{0,63}$/.test(name)) return null;
    return data && typeof data === 'object' ? { name, data: data as Record<string, unknown> } : { name };
  } catch {
    return null;
  }
}

/**
 * Opens the Paybis widget for a session from `client.paybisSession` and turns its postMessage
 * events (only those from the widget's own origin, and for an embedded widget only those of its
 * own frame) into callbacks. Resolves, once the widget is shown, to a cleanup function that stops
 * listening and removes an overlay or embedded widget; a widget that reports `closed` is cleaned
 * up the same way, so later messages are ignored.
 *
 * @example
 * const pending = preparePaybisWidget(mode); // in the click
 * const session = await client.paybisSession({ flow: 'buyCrypto' });
 * const cleanup = await openPaybisWidget(session, { mode, pending, onComplete, onClose });
 */
export async function openPaybisWidget(
  session: PaybisSessionResponse,
  options: OpenPaybisWidgetOptions,
): Promise<() => void> {
  const { mode, signal, container, onEvent, onComplete, onError, onClose, closeOnComplete } = options;
  const { requestId, oneTimeToken, widgetUrl, scriptUrl } = session;
  const win = (options.window ?? window) as WidgetWindow;
  const embedded = mode === 'embedded';
  // New tab and redirect reuse the opener: the widget page is just another provider page.
  const pending = options.pending ?? preparePaybisWidget(mode, win);
  // Both URLs are checked where they are used: `navigate` and `loadScript` refuse all but http(s).
  if (pending) {
    if (signal?.aborted) {
      pending.close();
      throw new HandoffAbortError();
    }
    // Navigate first: `onOpen?.(navigate())` would skip the navigation when there is no onOpen.
    const result = pending.navigate(widgetUrl);
    options.onOpen?.(result);
    return () => {};
  }
  if (embedded && !container) {
    throw new TypeError('Handoff: the embedded Paybis widget needs a `container`.');
  }

  // The loader fails a script that defined no widget, so from here on there is one.
  await loadScript(scriptUrl, { isReady: () => !!win.PartnerExchangeWidget, document: win.document });
  if (signal?.aborted) throw new HandoffAbortError();
  const sdk = win.PartnerExchangeWidget!;

  const credentials = oneTimeToken ? { requestId, oneTimeToken } : { requestId };
  // The SDK learns the widget origin from its own src, so the script's origin is the widget's.
  const origin = new URL(scriptUrl, win.document.baseURI).origin;
  let open = true;
  let added: ChildNode[] = [];
  // One widget, one listener: removed when the widget says it closed, or by the caller.
  const cleanup = () => {
    win.removeEventListener('message', onMessage);
    if (open && !embedded) sdk.close?.();
    open = false;
    for (const node of added) node.remove();
    added = [];
  };
  function onMessage(message: MessageEvent) {
    // Anyone can post to this window; only the widget's origin speaks for Paybis. An embedded
    // widget is a frame in the container, so only that frame speaks for it (not another
    // widget of the same origin on the page).
    const event =
      message.origin === origin &&
      (!embedded ||
        Array.from(container!.querySelectorAll('iframe')).some((f) => f.contentWindow === message.source)) &&
      parsePaybisEvent(message.data);
    if (!event) return;
    const { name, data } = event;
    onEvent?.(event);
    if (name === 'completed') onComplete?.(event);
    if (name === 'error') {
      const text = data?.message;
      onError?.(
        new HandoffProviderError(
          'provider_error',
          `Paybis: ${typeof text === 'string' ? text : 'widget error'}`,
        ),
      );
    }
    if (name === 'closed' || (name === 'completed' && closeOnComplete)) {
      // Closed by the customer: an overlay is gone already; an embedded widget is removed.
      // Completed with `closeOnComplete`: the overlay is closed here.
      open = name !== 'closed';
      cleanup();
      onClose?.();
    }
  }
  // Listen before opening: `opened` can arrive before `open` returns.
  win.addEventListener('message', onMessage);
  try {
    if (embedded) {
      const before = Array.from(container!.childNodes);
      sdk.openInEmbed(credentials, container!);
      added = Array.from(container!.childNodes).filter((node) => !before.includes(node));
    } else sdk.open(credentials);
  } catch (error) {
    open = false;
    cleanup();
    throw error;
  }
  return cleanup;
}
