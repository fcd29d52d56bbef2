import { isHttpUrl } from './client.ts';
import { HandoffAbortError, HandoffError, HandoffProviderError } from './errors.ts';
import { openPending, type OpenResult, type PendingWindow } from './open-window.ts';
import { loadScript } from './script-loader.ts';
import type { PaybisSessionResponse } from './wire.ts';

export { loadScript, type LoadScriptOptions } from './script-loader.ts';

/**
 * How the Paybis widget opens: `overlay` (the Web SDK's modal), `embedded` (the SDK renders into
 * an element of the page), `new-tab` or `redirect` (the direct-URL integration).
 */
export const PAYBIS_WIDGET_MODES = ['overlay', 'embedded', 'new-tab', 'redirect'] as const;
export type PaybisWidgetMode = (typeof PAYBIS_WIDGET_MODES)[number];

/** The widget events Paybis documents (`event.data.name` of its postMessage). */
export const PAYBIS_EVENT_NAMES = [
  'opened',
  'loaded',
  'closed',
  'completed',
  'rejected',
  'cancelled',
  'showLoader',
  'hideLoader',
  'start-new-transaction',
  'error',
  'payment-initiated',
  'payment-redirect',
] as const;
export type PaybisEventName = (typeof PAYBIS_EVENT_NAMES)[number];

export interface PaybisWidgetEvent {
  /** A documented event name; an undocumented one is passed on as it came. */
  name: PaybisEventName | (string & {});
  data?: Record<string, unknown>;
}

/** What `partner-exchange-widget.js` defines on `window`. */
export interface PartnerExchangeWidget {
  open(options: { requestId: string; oneTimeToken?: string }): void;
  openInEmbed(options: { requestId: string; oneTimeToken?: string }, element: HTMLElement): void;
  close?(): void;
}

export interface PaybisWidgetCallbacks {
  /** Every widget event, documented or not. */
  onEvent?: (event: PaybisWidgetEvent) => void;
  /** The customer completed a transaction (`completed`). */
  onComplete?: (event: PaybisWidgetEvent) => void;
  /** The overlay was closed (`closed`); the widget is gone. */
  onClose?: () => void;
  /** The widget reported an error (`error`). */
  onError?: (error: HandoffError) => void;
  /** New tab or redirect: where the widget page opened (a blocked tab falls back to this one). */
  onOpen?: (result: OpenResult) => void;
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
}

type WidgetWindow = Window & { PartnerExchangeWidget?: PartnerExchangeWidget };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A widget message as a typed event, or null when it is not one. Accepts objects and JSON strings. */
export function parsePaybisEvent(message: unknown): PaybisWidgetEvent | null {
  let value = message;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return null;
    }
  }
  if (!isRecord(value) || typeof value.name !== 'string' || !/^[A-Za-z][\w-]{0,63}$/.test(value.name))
    return null;
  return isRecord(value.data) ? { name: value.name, data: value.data } : { name: value.name };
}

/**
 * Call synchronously in the click handler, before asking the backend for a session: a new tab
 * must be opened while the browser still counts the click as a user gesture.
 */
export function preparePaybisWidget(mode: PaybisWidgetMode, win?: Window): PendingWindow | undefined {
  if (mode === 'new-tab') return openPending('new-tab', win);
  if (mode === 'redirect') return openPending('same-tab', win);
  return undefined;
}

function checkSession(session: PaybisSessionResponse): void {
  if (
    !isRecord(session) ||
    typeof session.requestId !== 'string' ||
    session.requestId === '' ||
    !isHttpUrl(session.widgetUrl) ||
    !isHttpUrl(session.scriptUrl)
  ) {
    throw new HandoffError(
      'internal',
      'Handoff: the Paybis session is missing requestId, widgetUrl or scriptUrl.',
    );
  }
}

/**
 * Opens the Paybis widget for a session from `client.paybisSession` and turns its postMessage
 * events (only those from the widget's own origin) into callbacks. Resolves, once the widget is
 * shown, to a cleanup function that stops listening and removes an overlay or embedded widget.
 *
 * @example
 * const pending = preparePaybisWidget('overlay'); // in the click
 * const session = await client.paybisSession({ flow: 'buyCrypto' });
 * const cleanup = await openPaybisWidget(session, { mode: 'overlay', pending, onComplete, onClose });
 */
export async function openPaybisWidget(
  session: PaybisSessionResponse,
  options: OpenPaybisWidgetOptions,
): Promise<() => void> {
  const { mode, signal } = options;
  if (!PAYBIS_WIDGET_MODES.includes(mode)) {
    throw new TypeError(
      `Handoff: Paybis mode must be one of ${PAYBIS_WIDGET_MODES.join(', ')}, got ${JSON.stringify(mode)}.`,
    );
  }
  const win = (options.window ?? (typeof window === 'undefined' ? undefined : window)) as
    WidgetWindow | undefined;
  if (!win) throw new HandoffError('internal', 'Handoff: the Paybis widget can only open in a browser.');
  checkSession(session);
  const credentials = {
    requestId: session.requestId,
    ...(session.oneTimeToken ? { oneTimeToken: session.oneTimeToken } : {}),
  };

  if (mode === 'new-tab' || mode === 'redirect') {
    const pending = options.pending ?? preparePaybisWidget(mode, win)!;
    if (signal?.aborted) {
      pending.close();
      throw new HandoffAbortError();
    }
    // Navigate first: `onOpen?.(navigate())` would skip the navigation when there is no onOpen.
    const result = pending.navigate(session.widgetUrl);
    options.onOpen?.(result);
    return () => {};
  }

  const container = options.container;
  if (mode === 'embedded' && !(container && typeof container.appendChild === 'function')) {
    throw new TypeError('Handoff: the embedded Paybis widget needs a `container` element to render into.');
  }

  // The SDK learns the widget origin from its own src, so the script's origin is the widget's.
  const origin = new URL(session.scriptUrl).origin;
  let closed = false;
  let added: ChildNode[] = [];
  const stopListening = () => win.removeEventListener('message', onMessage);
  const cleanup = () => {
    stopListening();
    if (mode === 'overlay' && !closed) win.PartnerExchangeWidget?.close?.();
    for (const node of added) node.remove();
    added = [];
    closed = true;
  };
  function onMessage(event: MessageEvent) {
    // Anyone can post to this window; only the widget's origin speaks for Paybis.
    if (event.origin !== origin) return;
    const parsed = parsePaybisEvent(event.data);
    if (!parsed) return;
    options.onEvent?.(parsed);
    if (parsed.name === 'completed') options.onComplete?.(parsed);
    else if (parsed.name === 'error') {
      const message =
        typeof parsed.data?.message === 'string'
          ? parsed.data.message
          : 'The Paybis widget reported an error.';
      options.onError?.(new HandoffProviderError('provider_error', `Paybis: ${message}`));
    } else if (parsed.name === 'closed' && mode === 'overlay') {
      closed = true;
      stopListening();
      options.onClose?.();
    } else if (parsed.name === 'closed') {
      options.onClose?.();
    }
  }
  // Listen before opening: `opened` can arrive before `open` returns.
  win.addEventListener('message', onMessage);

  try {
    await loadScript(session.scriptUrl, {
      isReady: () => Boolean(win.PartnerExchangeWidget),
      document: win.document,
    });
    if (signal?.aborted) throw new HandoffAbortError();
    const sdk = win.PartnerExchangeWidget;
    if (!sdk || typeof sdk.open !== 'function' || typeof sdk.openInEmbed !== 'function') {
      throw new HandoffError(
        'script_load_failed',
        'Handoff: the Paybis script did not define PartnerExchangeWidget.',
      );
    }
    if (mode === 'overlay') {
      sdk.open(credentials);
    } else {
      const before = new Set(Array.from(container!.childNodes));
      sdk.openInEmbed(credentials, container!);
      added = Array.from(container!.childNodes).filter((node) => !before.has(node));
    }
  } catch (error) {
    stopListening();
    throw error;
  }
  return cleanup;
}
