// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { escapeHtml, WIDGET_SCRIPT } from './paybis-pages.ts';

interface Sdk {
  open(options: { requestId: string; oneTimeToken?: string }): void;
  openInEmbed(options: { requestId: string; oneTimeToken?: string }, element: Element): void;
  close(): void;
}

const SRC = 'https://widget.sandbox.test/paybis/widget/partner-exchange-widget.js';

/** Runs the SDK as if loaded from SRC (jsdom does not fetch external scripts). */
function loadSdk(src: string | null = SRC): Sdk {
  Object.defineProperty(document, 'currentScript', {
    configurable: true,
    get: () => (src === null ? null : { src }),
  });
  new Function(WIDGET_SCRIPT)();
  return (window as unknown as { PartnerExchangeWidget: Sdk }).PartnerExchangeWidget;
}

/** The overlay's shadow root, where its dialog lives, apart from the host page's styles. */
const overlay = () => document.querySelector('[data-paybis-overlay]')?.shadowRoot ?? null;

let messages: MessageEvent[];
const record = (event: MessageEvent) => messages.push(event);

beforeEach(() => {
  messages = [];
  window.addEventListener('message', record);
});
afterEach(() => {
  // Each test loads its own SDK; close what it left open so its key listener goes too.
  (window as unknown as { PartnerExchangeWidget?: Sdk }).PartnerExchangeWidget?.close();
  window.removeEventListener('message', record);
  document.body.replaceChildren();
  Reflect.deleteProperty(document, 'currentScript');
});

describe('partner-exchange-widget.js (sandbox Web SDK)', () => {
  it('opens an accessible overlay with the widget page of its own origin, token in the URL', () => {
    const sdk = loadSdk();
    sdk.open({ requestId: 'req 1', oneTimeToken: 'tok/1' });
    expect(document.querySelector('[role="dialog"]')).toBeNull();
    const dialog = overlay()?.querySelector('[role="dialog"]');
    expect(dialog?.getAttribute('aria-modal')).toBe('true');
    expect(dialog?.getAttribute('aria-label')).toBe('Paybis');
    const frame = dialog?.querySelector('iframe');
    const url = new URL(frame!.src);
    expect(`${url.origin}${url.pathname}`).toBe('https://widget.sandbox.test/paybis/widget/');
    expect(url.searchParams.get('requestId')).toBe('req 1');
    expect(url.searchParams.get('oneTimeToken')).toBe('tok/1');
    expect(frame?.title).toBeTruthy();
    expect(overlay()?.activeElement?.getAttribute('aria-label')).toBe('Close Paybis');
  });

  it('closes from its close button, emitting closed from the widget origin and restoring focus', () => {
    const sdk = loadSdk();
    const trigger = document.createElement('button');
    document.body.appendChild(trigger);
    trigger.focus();
    sdk.open({ requestId: 'r' });
    (overlay()!.querySelector('[data-paybis-close]') as HTMLButtonElement).click();
    expect(overlay()).toBeNull();
    expect(messages.map((m) => [m.origin, (m.data as { name: string }).name])).toEqual([
      ['https://widget.sandbox.test', 'closed'],
    ]);
    expect(document.activeElement).toBe(trigger);
  });

  it('closes on Escape, and only one overlay exists at a time', () => {
    const sdk = loadSdk();
    sdk.open({ requestId: 'a' });
    sdk.open({ requestId: 'b' });
    expect(document.querySelectorAll('[data-paybis-overlay]')).toHaveLength(1);
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    expect(overlay()).toBeNull();
    expect(messages.filter((m) => (m.data as { name: string }).name === 'closed')).toHaveLength(2);
  });

  it('closes on Escape pressed inside the widget frame, which asks through a message', () => {
    const sdk = loadSdk();
    sdk.open({ requestId: 'r' });
    const frame = overlay()!.querySelector('iframe')!;
    const ask = (origin: string, source: MessageEventSource | null) =>
      window.dispatchEvent(new MessageEvent('message', { data: { name: 'sandbox:close' }, origin, source }));
    // Another origin, or another window of the same origin, cannot close it.
    ask('https://evil.test', frame.contentWindow);
    ask('https://widget.sandbox.test', window);
    expect(overlay()).not.toBeNull();
    ask('https://widget.sandbox.test', frame.contentWindow);
    expect(overlay()).toBeNull();
  });

  it('keeps its own box on the host element, set inline (host styles are checked in Chromium)', () => {
    const sdk = loadSdk();
    sdk.open({ requestId: 'r' });
    const host = document.querySelector<HTMLElement>('[data-paybis-overlay]')!;
    expect(host.style.getPropertyValue('position')).toBe('fixed');
  });

  it('renders into an element with openInEmbed', () => {
    const sdk = loadSdk();
    const box = document.createElement('div');
    box.appendChild(document.createElement('p'));
    sdk.openInEmbed({ requestId: 'r', oneTimeToken: 't' }, box);
    expect(box.children).toHaveLength(1);
    expect(new URL(box.querySelector('iframe')!.src).searchParams.get('oneTimeToken')).toBe('t');
    expect(() => sdk.openInEmbed({ requestId: 'r' }, null as unknown as Element)).toThrow(/element/);
  });

  it('requires a requestId and a script src', () => {
    const sdk = loadSdk();
    expect(() => sdk.open({} as { requestId: string })).toThrow(/requestId/);
    const spy = vi.fn();
    try {
      loadSdk(null);
    } catch (error) {
      spy(error);
    }
    expect(spy).toHaveBeenCalled();
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});
