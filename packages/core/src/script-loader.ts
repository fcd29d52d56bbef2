import { isHttpUrl } from './client.ts';
import { HandoffError } from './errors.ts';

export interface LoadScriptOptions {
  /**
   * Says whether what the script defines is there (e.g. `() => 'PartnerExchangeWidget' in
   * window`). A tag the page added itself counts as loaded only when it is; a script that loads
   * without defining it counts as failed.
   */
  isReady?: () => boolean;
  /** The document to load into; defaults to the global one. */
  document?: Document;
}

/** How long a script may take to load before the load counts as failed. */
const SCRIPT_TIMEOUT_MS = 20_000;

/** One promise per absolute script URL, shared by every caller while it is loading or loaded. */
const loads: Record<string, Promise<void>> = {};

const failed = (message: string) => new HandoffError('script_load_failed', message);

/**
 * Injects a third-party `<script>` once and resolves when it has run. Repeated calls share one
 * promise. A tag with the same `src` the page added itself is used only when `isReady` says its
 * script has run: its load or error event may have fired before anyone listened, and never fires
 * again, so it is not waited on; another tag is added instead. A load that fails, defines nothing
 * (`isReady`) or takes longer than 20 seconds rejects, removes its tag and is
 * forgotten, so the next call tries again. Never touches `document` when there is none (server
 * rendering): it rejects with a clear error instead.
 *
 * @example
 * await loadScript(session.scriptUrl, { isReady: () => 'PartnerExchangeWidget' in window });
 */
export function loadScript(src: string, options: LoadScriptOptions = {}): Promise<void> {
  const { isReady, document: doc = globalThis.document } = options;
  let url: unknown;
  try {
    url = new URL(src, doc.baseURI).href;
  } catch {
    // No document (server rendering) or not a URL: refused just below.
  }
  if (!doc || !isHttpUrl(url)) {
    return Promise.reject(
      failed(
        doc
          ? `Handoff: refusing a script that is not http(s): ${src}`
          : 'Handoff: scripts load in a browser only.',
      ),
    );
  }

  return (loads[url] ??= new Promise<void>((resolve, reject) => {
    if (isReady?.() && Array.from(doc.scripts).some((s) => s.src === url)) return resolve();
    const tag = doc.createElement('script');
    // Runs once for the first of load, error and the deadline; later events are ignored.
    const settle = (loaded?: boolean) => {
      clearTimeout(timer);
      tag.onload = tag.onerror = null;
      if (loaded && isReady?.() !== false) resolve();
      else {
        // Forgotten and removed, so a retry adds a fresh tag.
        delete loads[url];
        tag.remove();
        reject(failed(`Handoff: could not load ${url}`));
      }
    };
    const timer = setTimeout(settle, SCRIPT_TIMEOUT_MS);
    tag.onload = () => settle(true);
    tag.onerror = () => settle();
    tag.src = url;
    tag.async = true;
    doc.head.append(tag);
  }));
}
