import type { HandoffError } from './errors.ts';
import { openPending, type OpenResult, type PendingWindow } from './open-window.ts';

/**
 * How the Paybis widget opens: `overlay` (the Web SDK's modal), `embedded` (the SDK renders into
 * an element of the page), `new-tab` or `redirect` (the direct-URL integration).
 */
export const PAYBIS_WIDGET_MODES = ['overlay', 'embedded', 'new-tab', 'redirect'] as const;
export type PaybisWidgetMode = (typeof PAYBIS_WIDGET_MODES)[number];

/** The widget events Paybis documents (`event.data.name` of its postMessage). */
export type PaybisEventName =
  | 'opened'
  | 'loaded'
  | 'closed'
  | 'completed'
  | 'rejected'
  | 'cancelled'
  | 'showLoader'
  | 'hideLoader'
  | 'start-new-transaction'
  | 'error'
  | 'payment-initiated'
  | 'payment-redirect';

export interface PaybisWidgetEvent {
  /** A documented event name; an undocumented one is passed on as it came. */
  name: PaybisEventName | (string & {});
  data?: Record<string, unknown>;
}

export interface PaybisWidgetCallbacks {
  /** Every widget event, documented or not. */
  onEvent?: (event: PaybisWidgetEvent) => void;
  /** The customer completed a transaction (`completed`). */
  onComplete?: (event: PaybisWidgetEvent) => void;
  /** The widget was closed (`closed`); an overlay is gone. */
  onClose?: () => void;
  /** The widget reported an error (`error`). */
  onError?: (error: HandoffError) => void;
  /** New tab or redirect: where the widget page opened (a blocked tab falls back to this one). */
  onOpen?: (result: OpenResult) => void;
}

/**
 * Call synchronously in the click handler, before asking the backend for a session: a new tab
 * must be opened while the browser still counts the click as a user gesture. With the
 * `widgetUrl` of a session already in hand (fetched ahead), the widget page opens at once.
 */
export function preparePaybisWidget(
  mode: PaybisWidgetMode,
  win?: Window,
  widgetUrl?: string,
): PendingWindow | undefined {
  return mode === 'new-tab' || mode === 'redirect'
    ? openPending(mode === 'new-tab' ? mode : 'same-tab', win, widgetUrl)
    : undefined;
}
