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

const failed = (message: string) => new HandoffError('script_load_failed', message);

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
    let tag = Array.from(doc.scripts).find((s) => s.src === url);
    // A tag this loader added is in `loads` until it fails; one the page added counts as loaded
    // when what it defines is there.
    if (tag && isReady?.()) return resolve();
    if (!tag) {
      tag = doc.createElement('script');
      tag.src = url;
      tag.async = true;
      doc.head.append(tag);
    }
    const script = tag;
    // One listener for both outcomes; each fires at most once for a script element.
    const settle = ({ type }: Event) => {
      if (type === 'load') resolve();
      else {
        // A failed tag stays failed: forget it and remove it, so a retry adds a fresh one.
        delete loads[url];
        script.remove();
        reject(failed(`Handoff: could not load ${url}`));
      }
    };
    script.addEventListener('load', settle);
    script.addEventListener('error', settle);
  }));
}
