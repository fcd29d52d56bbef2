import { createSandbox } from '@handoff/sandbox';
import { http, type HttpHandler } from 'msw';

/**
 * The Paybis widget host of the stories, on Storybook's own origin so that every story runs with
 * no network. The Web SDK script is the Handoff sandbox's own, answered by the mock service
 * worker; the widget page it frames is a static stand-in of the sandbox page
 * (`.storybook/public/paybis-sandbox/index.html`), because a service worker cannot answer a
 * frame's navigation.
 */
export const PAYBIS_WIDGET = new URL('paybis-sandbox', document.baseURI).href;

const sandbox = createSandbox();

/** Serves the sandbox's `partner-exchange-widget.js` at `PAYBIS_WIDGET`. */
export const paybisWidgetScript: HttpHandler[] = [
  http.get(`${PAYBIS_WIDGET}/partner-exchange-widget.js`, () =>
    sandbox.fetch(new Request(`${sandbox.urls.paybisWidgetUrl}/partner-exchange-widget.js`)),
  ),
];

/** The overlay's dialog, inside the shadow root that keeps it apart from the page's styles. */
export function paybisOverlay(document: Document): HTMLElement | null {
  const root = document.querySelector('[data-paybis-overlay]')?.shadowRoot;
  return root?.querySelector<HTMLElement>('[role="dialog"]') ?? null;
}

/** The widget page's document (same origin here), once the overlay's frame has loaded it. */
export function paybisWidgetDocument(document: Document): Document | null {
  const root = document.querySelector('[data-paybis-overlay]')?.shadowRoot;
  const frame = root?.querySelector('iframe');
  const page = frame?.contentDocument;
  return page?.readyState === 'complete' && page.querySelector('main') ? page : null;
}
