import { isHttpUrl } from './client.ts';
import { HandoffError } from './errors.ts';

export interface LoadScriptOptions {
  /**
   * Says whether what the script defines is already there (e.g. `() => 'PartnerExchangeWidget' in
   * window`). A tag the page added itself may have finished loading before anyone listened; this
   * check is how such a tag counts as loaded.
   */
  isReady?: () => boolean;
  /** The document to load into; defaults to the global one. */
  document?: Document;
}

/** One promise per absolute script URL, shared by every caller while it is loading or loaded. */
const loads: Record<string, Promise<void>> = {};

const fail = (message: string) => Promise.reject(new HandoffError('script_load_failed', message));

/**
 * Injects a third-party `<script>` once and resolves when it has run. Repeated calls share one
 * promise; a tag with the same `src` already on the page is reused rather than added again. A
 * failed load removes its tag and is forgotten, so the next call tries again. Never touches
 * `document` when there is none (server rendering): it rejects with a clear error instead.
 *
 * @example
 * await loadScript(session.scriptUrl, { isReady: () => 'PartnerExchangeWidget' in window });
 */
export function loadScript(src: string, options: LoadScriptOptions = {}): Promise<void> {
  const { isReady, document: doc = globalThis.document } = options;
  if (!doc)
    return fail('Handoff: scripts load in a browser only, not during server rendering (no `document`).');
  let url = '';
  try {
    url = new URL(src, doc.baseURI).href;
  } catch {
    // Not a URL: refused just below.
  }
  if (!isHttpUrl(url)) return fail(`Handoff: refusing to load a script that is not http(s): ${src}`);

  return (loads[url] ??= new Promise<void>((resolve, reject) => {
    let script = Array.from(doc.scripts).find((s) => s.src === url);
    if (script && (script.dataset.handoff === 'loaded' || isReady?.())) return resolve();
    if (!script) {
      script = doc.createElement('script');
      script.src = url;
      script.async = true;
      doc.head.append(script);
    }
    const tag = script;
    tag.addEventListener(
      'load',
      () => {
        tag.dataset.handoff = 'loaded';
        resolve();
      },
      { once: true },
    );
    tag.addEventListener(
      'error',
      () => {
        // A failed tag stays failed: forget it and remove it, so a retry adds a fresh one.
        delete loads[url];
        tag.remove();
        reject(new HandoffError('script_load_failed', `Handoff: the script ${url} could not be loaded.`));
      },
      { once: true },
    );
  }));
}
