import { isHttpUrl } from './client.ts';

const NOT_HTTP = 'Handoff: not an http(s) URL.';

/** Where a provider page opens: a new tab (default) or in place of the current page. */
export type OpenTarget = 'new-tab' | 'same-tab';

/** What actually happened when a pending window was navigated. */
export interface OpenResult {
  url: string;
  /** Where the page opened; `same-tab` after a fallback even when `new-tab` was asked for. */
  target: OpenTarget;
  /** Why the page did not open where it was asked to, or `null` when it did. */
  fallback: 'popup_blocked' | null;
}

/** A window opened inside the click, before the link exists. */
export interface PendingWindow {
  /** True when the browser refused the new tab; `navigate` then falls back to the current page. */
  readonly blocked: boolean;
  /** Sends the pending window (or, as a fallback, the current page) to `url`, which must be http(s). */
  navigate(url: string): OpenResult;
  /** Closes the pending window without navigating, so a failed request leaves no stray blank tab. */
  close(): void;
}

/** The parts of `window` the opener touches; tests pass a fake. */
export type OpenerWindow = Pick<Window, 'open' | 'location'>;

/**
 * Opens the destination window synchronously, inside the click, while the browser still
 * counts it as a user gesture: the link is fetched afterwards, and by then `window.open` would
 * be blocked as a popup. Call it in the click handler, then `navigate` once the link arrives.
 * With `opened` (a link already in hand, fetched ahead) the new tab opens at it directly, and
 * `navigate` with the same link only falls back in place when the tab was blocked.
 *
 * @example
 * button.onclick = async () => {
 *   const pending = openPending('new-tab');
 *   try {
 *     const { url } = await client.okepayLoginLink();
 *     pending.navigate(url);
 *   } catch (error) {
 *     pending.close();
 *   }
 * };
 */
export function openPending(target: OpenTarget, win: OpenerWindow = window, opened?: string): PendingWindow {
  const tab = target === 'new-tab';
  if (opened !== undefined && !isHttpUrl(opened)) throw new TypeError(NOT_HTTP);
  // A link in hand (fetched ahead) opens directly: one navigation instead of a blank tab and
  // then another, which saves the browser a document. (`noopener` would make the browser create
  // the tab faster still, but it hands back no window, so a blocked tab could not fall back.)
  const child = tab ? win.open(opened ?? '', '_blank') : null;
  // The provider page must not be able to reach back into this page (reverse tabnabbing). The
  // new tab still holds its initial blank document, same-origin with this page, so this is
  // allowed, and it is done before the provider page can load.
  if (child) child.opener = null;
  const close = () => {
    if (!child?.closed) child?.close();
  };
  return {
    blocked: tab && !child,
    close,
    navigate(url) {
      if (!isHttpUrl(url)) {
        close();
        throw new TypeError(NOT_HTTP);
      }
      // A blank tab that vanished before the link came (closed by a popup killer, or by the
      // customer) is treated like a blocked popup: the click asked to go there, so go in place.
      const live = child && !child.closed;
      if (!live) win.location.assign(url);
      else if (url !== opened) child.location.replace(url);
      return { url, target: live ? target : 'same-tab', fallback: tab && !live ? 'popup_blocked' : null };
    },
  };
}
