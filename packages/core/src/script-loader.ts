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
const loads = new Map<string, Promise<void>>();

const STATE = 'data-handoff-script';

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
  const doc = options.document ?? (typeof document === 'undefined' ? undefined : document);
  if (!doc) {
    return Promise.reject(
      new HandoffError(
        'script_load_failed',
        'Handoff: scripts can only be loaded in a browser (there is no `document`; load it from an effect or a click handler, not during server rendering).',
      ),
    );
  }
  let url: string;
  try {
    url = new URL(src, doc.baseURI).href;
  } catch {
    url = '';
  }
  if (!isHttpUrl(url)) {
    return Promise.reject(
      new HandoffError(
        'script_load_failed',
        `Handoff: refusing to load a script that is not http(s): ${JSON.stringify(src)}.`,
      ),
    );
  }

  const known = loads.get(url);
  if (known) return known;

  const existing = Array.from(doc.getElementsByTagName('script')).find((s) => s.src === url);
  if (existing && (existing.getAttribute(STATE) === 'loaded' || options.isReady?.())) {
    const done = Promise.resolve();
    loads.set(url, done);
    return done;
  }

  const script = existing ?? doc.createElement('script');
  const promise = new Promise<void>((resolve, reject) => {
    const settle = () => {
      script.removeEventListener('load', onLoad);
      script.removeEventListener('error', onError);
    };
    const onLoad = () => {
      settle();
      script.setAttribute(STATE, 'loaded');
      resolve();
    };
    const onError = () => {
      settle();
      loads.delete(url);
      // A failed tag stays failed: remove it so a retry adds a fresh one.
      script.remove();
      reject(new HandoffError('script_load_failed', `Handoff: the script ${url} could not be loaded.`));
    };
    script.addEventListener('load', onLoad);
    script.addEventListener('error', onError);
  });
  loads.set(url, promise);

  if (!existing) {
    script.src = url;
    script.async = true;
    script.setAttribute(STATE, 'loading');
    doc.head.appendChild(script);
  }
  return promise;
}
