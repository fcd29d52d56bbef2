/**
 * The Paybis sandbox's hosted pages: the widget (email + OTP login, or instant login with a
 * one-time token, then a demo purchase) and the Web SDK script. Small server-rendered HTML; every
 * interpolated value is escaped, and inline code runs under a per-response CSP nonce.
 */

export interface WidgetEvent {
  name: string;
  data?: Record<string, unknown>;
}

/** Values the page script needs, embedded as JSON (never as code). */
interface PageConfig {
  events: WidgetEvent[];
  /** Where to go after `completed` / `cancelled` when the widget is not framed (new tab, redirect). */
  successReturnURL?: string;
  failureReturnURL?: string;
  /** Navigate to successReturnURL now (the completed page, top-level only). */
  returnNow?: boolean;
}

export interface ReturnUrls {
  successReturnURL?: string;
  failureReturnURL?: string;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** JSON safe to place inside a <script> element: nothing in it can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; padding: 24px; color: #1a1a2e; background: #f7f7fb; }
  main { max-width: 420px; margin: 0 auto; background: #fff; border-radius: 12px; padding: 24px; box-shadow: 0 1px 4px #0002; }
  h1 { font-size: 20px; margin: 0 0 16px; }
  label { display: block; margin: 12px 0 4px; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; padding: 8px; font-size: 16px; border: 1px solid #888; border-radius: 6px; }
  button { margin-top: 16px; padding: 10px 16px; font-size: 16px; border-radius: 6px; border: 0; background: #3b3bd6; color: #fff; cursor: pointer; }
  button.secondary { background: #e4e4ef; color: #1a1a2e; margin-left: 8px; }
  .hint { background: #fff7d6; border: 1px dashed #b08900; padding: 8px; border-radius: 6px; }
  .error { color: #a4002a; font-weight: 600; }
  .sandbox { font-size: 12px; color: #555; margin-top: 24px; }
`;

/** Runs inside the widget page: posts events to the embedding page and follows return URLs. */
const PAGE_SCRIPT = `
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('paybis-config').textContent);
  var framed = window.parent !== window;
  function post(name, data) {
    var message = data === undefined ? { name: name } : { name: name, data: data };
    if (framed) window.parent.postMessage(message, '*');
    else if (window.opener) { try { window.opener.postMessage(message, '*'); } catch (e) {} }
  }
  config.events.forEach(function (e) { post(e.name, e.data); });
  post('loaded');
  if (config.returnNow && !framed && config.successReturnURL) window.location.replace(config.successReturnURL);
  var buy = document.querySelector('[data-testid="paybis-complete"]');
  if (buy) buy.form.addEventListener('submit', function () { post('payment-initiated'); });
  // Escape inside the framed widget: keys stay in this frame, so ask the overlay to close.
  if (framed) document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') window.parent.postMessage({ name: 'sandbox:close' }, '*');
  });
  var cancel = document.querySelector('[data-paybis-cancel]');
  if (cancel) cancel.addEventListener('click', function () {
    post('cancelled');
    if (!framed && config.failureReturnURL) window.location.assign(config.failureReturnURL);
  });
})();
`;

function page(nonce: string, title: string, body: string, config: PageConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Paybis sandbox</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main>
${body}
<p class="sandbox">Paybis sandbox: a simulation for development and tests. No real money moves.</p>
</main>
<script type="application/json" id="paybis-config">${scriptJson(config)}</script>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body>
</html>`;
}

/** Content-Security-Policy for a page rendered with this nonce. Any site may frame the sandbox widget. */
export function pageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "form-action 'self'",
    "base-uri 'none'",
    'frame-ancestors *',
  ].join('; ');
}

function hiddenFields(fields: Record<string, string | undefined>): string {
  return Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
}

const cancelButton = `<button type="button" class="secondary" data-paybis-cancel data-testid="paybis-cancel">Cancel</button>`;

export function errorPage(nonce: string, message: string, code: string, returnUrls: ReturnUrls = {}): string {
  return page(
    nonce,
    'Error',
    `<h1>Something went wrong</h1>
<p class="error" role="alert" data-testid="paybis-error" data-code="${escapeHtml(code)}">${escapeHtml(message)}</p>
${cancelButton}`,
    { events: [{ name: 'error', data: { code, message } }], ...returnUrls },
  );
}

export function emailPage(
  nonce: string,
  action: string,
  requestId: string,
  returnUrls: ReturnUrls,
  options: { email?: string; opened: boolean; error?: string },
): string {
  const error = options.error
    ? `<p class="error" role="alert" data-testid="paybis-error">${escapeHtml(options.error)}</p>`
    : '';
  return page(
    nonce,
    'Sign in',
    `<h1>Sign in to Paybis</h1>
<p>Enter your email. We will send you a one-time code.</p>
${error}
<form method="post" action="${escapeHtml(action)}">
${hiddenFields({ requestId, ...returnUrls })}
<label for="paybis-email">Email</label>
<input id="paybis-email" name="email" type="email" autocomplete="email" required maxlength="254" data-testid="paybis-email" value="${escapeHtml(options.email ?? '')}">
<button type="submit" data-testid="paybis-email-submit">Send code</button>
${cancelButton}
</form>`,
    { events: options.opened ? [{ name: 'opened' }] : [], ...returnUrls },
  );
}

export function otpPage(
  nonce: string,
  action: string,
  requestId: string,
  returnUrls: ReturnUrls,
  options: { email: string; code: string; error?: string },
): string {
  const error = options.error
    ? `<p class="error" role="alert" data-testid="paybis-error">${escapeHtml(options.error)}</p>`
    : '';
  return page(
    nonce,
    'Verify email',
    `<h1>Check your email</h1>
<p>We sent a one-time code to <strong>${escapeHtml(options.email)}</strong>.</p>
<p class="hint">Sandbox: your code is <strong data-testid="paybis-otp-hint">${escapeHtml(options.code)}</strong></p>
${error}
<form method="post" action="${escapeHtml(action)}">
${hiddenFields({ requestId, email: options.email, ...returnUrls })}
<label for="paybis-otp">One-time code</label>
<input id="paybis-otp" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="6" pattern="[0-9]{6}" data-testid="paybis-otp">
<button type="submit" data-testid="paybis-otp-submit">Verify</button>
${cancelButton}
</form>`,
    { events: [], ...returnUrls },
  );
}

export function loggedInPage(
  nonce: string,
  action: string,
  sessionId: string,
  returnUrls: ReturnUrls,
  options: { email: string; summary: string; opened: boolean },
): string {
  return page(
    nonce,
    'Exchange',
    `<h1>Paybis exchange</h1>
<p>Signed in as <strong data-testid="paybis-user-email">${escapeHtml(options.email)}</strong></p>
<p data-testid="paybis-summary">${escapeHtml(options.summary)}</p>
<form method="post" action="${escapeHtml(action)}">
${hiddenFields({ session: sessionId, ...returnUrls })}
<button type="submit" data-testid="paybis-complete">Buy</button>
${cancelButton}
</form>`,
    { events: options.opened ? [{ name: 'opened' }] : [], ...returnUrls },
  );
}

export function completedPage(
  nonce: string,
  returnUrls: ReturnUrls,
  options: { email: string; requestId: string; transactionId: string },
): string {
  const back = returnUrls.successReturnURL
    ? `<p><a href="${escapeHtml(returnUrls.successReturnURL)}" data-testid="paybis-return">Return to the merchant</a></p>`
    : '';
  return page(
    nonce,
    'Completed',
    `<h1>Purchase completed</h1>
<p role="status" data-testid="paybis-completed">Transaction <strong>${escapeHtml(options.transactionId)}</strong> for <strong data-testid="paybis-user-email">${escapeHtml(options.email)}</strong> is complete.</p>
${back}`,
    {
      events: [
        { name: 'completed', data: { requestId: options.requestId, transactionId: options.transactionId } },
      ],
      ...returnUrls,
      returnNow: true,
    },
  );
}

/**
 * The Web SDK, `partner-exchange-widget.js`. It learns the widget's origin from its own `src`,
 * so the same script works wherever the sandbox is served.
 */
export const WIDGET_SCRIPT = `/* Paybis sandbox Web SDK: window.PartnerExchangeWidget */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src) throw new Error('partner-exchange-widget.js must be loaded with a <script src>.');
  var base = script.src.replace(/\\/partner-exchange-widget\\.js(?:[?#].*)?$/, '');
  var origin = new URL(base).origin;
  var overlay = null;
  var previousFocus = null;

  function widgetUrl(options) {
    if (!options || typeof options.requestId !== 'string' || options.requestId === '') {
      throw new TypeError('PartnerExchangeWidget: requestId is required.');
    }
    var url = new URL(base + '/');
    url.searchParams.set('requestId', options.requestId);
    if (typeof options.oneTimeToken === 'string' && options.oneTimeToken !== '') {
      url.searchParams.set('oneTimeToken', options.oneTimeToken);
    }
    return url.href;
  }

  function createFrame(options) {
    var frame = document.createElement('iframe');
    frame.src = widgetUrl(options);
    frame.title = 'Paybis exchange widget';
    frame.setAttribute('allow', 'payment; clipboard-write');
    frame.setAttribute('data-paybis-widget', '');
    frame.style.cssText = 'border:0;width:100%;height:100%;min-height:560px;background:#fff;';
    return frame;
  }

  /* Events the host page sees come from the widget origin, whether the iframe or this SDK raised them. */
  function emit(name, source) {
    window.dispatchEvent(new MessageEvent('message', { data: { name: name }, origin: origin, source: source || null }));
  }

  /*
   * The overlay lives in a shadow root with its own styles, so the host page's styles (a global
   * button rule, a reset) cannot reach its close button; the host element's own box is set inline
   * with !important. Constructed style sheets are not inline styles, so a strict host CSP allows them.
   */
  var OVERLAY_STYLE = [
    ':host { all: initial; }',
    '.backdrop { position: fixed; inset: 0; background: rgba(15, 15, 35, .6); display: flex; align-items: center; justify-content: center; font: 16px/1.5 system-ui, sans-serif; }',
    '.panel { position: relative; width: min(480px, 100vw); height: min(680px, 100vh); background: #fff; border-radius: 12px; overflow: hidden; box-shadow: 0 12px 48px rgba(0, 0, 0, .35); }',
    'iframe { display: block; border: 0; width: 100%; height: 100%; background: #fff; }',
    '.close { all: unset; box-sizing: border-box; position: absolute; top: 10px; right: 10px; z-index: 1; width: 36px; height: 36px; display: flex; align-items: center; justify-content: center; border-radius: 50%; background: #1a1a2e; color: #fff; font: 600 22px/1 system-ui, sans-serif; cursor: pointer; box-shadow: 0 1px 4px rgba(0, 0, 0, .3); }',
    '.close:hover { background: #3b3bd6; }',
    '.close:focus-visible { outline: 3px solid #8f8ff0; outline-offset: 2px; }',
  ].join('\\n');

  function styleShadow(shadow) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(OVERLAY_STYLE);
      shadow.adoptedStyleSheets = [sheet];
    } catch (e) {
      var style = document.createElement('style');
      style.textContent = OVERLAY_STYLE;
      shadow.appendChild(style);
    }
  }

  function onKey(event) {
    if (event.key === 'Escape') close();
  }

  /* Escape pressed inside the widget frame: the widget page asks its overlay to close. */
  function onMessage(event) {
    var frame = overlay && overlay.shadowRoot.querySelector('iframe');
    var data = event.data;
    if (frame && event.origin === origin && event.source === frame.contentWindow && data && data.name === 'sandbox:close') close();
  }

  function close() {
    if (!overlay) return;
    var frame = overlay.shadowRoot.querySelector('iframe');
    var source = frame ? frame.contentWindow : null;
    overlay.remove();
    overlay = null;
    document.removeEventListener('keydown', onKey);
    window.removeEventListener('message', onMessage);
    if (previousFocus && typeof previousFocus.focus === 'function') previousFocus.focus();
    previousFocus = null;
    emit('closed', source);
  }

  function open(options) {
    close();
    var frame = createFrame(options);
    frame.style.cssText = '';
    previousFocus = document.activeElement;
    overlay = document.createElement('paybis-overlay');
    overlay.setAttribute('data-paybis-overlay', '');
    var box = { position: 'fixed', inset: '0', 'z-index': '2147483000', display: 'block', margin: '0', padding: '0', border: '0' };
    for (var property in box) overlay.style.setProperty(property, box[property], 'important');
    var shadow = overlay.attachShadow({ mode: 'open' });
    styleShadow(shadow);
    var backdrop = document.createElement('div');
    backdrop.className = 'backdrop';
    backdrop.setAttribute('role', 'dialog');
    backdrop.setAttribute('aria-modal', 'true');
    backdrop.setAttribute('aria-label', 'Paybis');
    var panel = document.createElement('div');
    panel.className = 'panel';
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'close';
    button.setAttribute('aria-label', 'Close Paybis');
    button.setAttribute('data-paybis-close', '');
    button.textContent = '\\u00d7';
    button.addEventListener('click', close);
    panel.appendChild(button);
    panel.appendChild(frame);
    backdrop.appendChild(panel);
    shadow.appendChild(backdrop);
    document.body.appendChild(overlay);
    document.addEventListener('keydown', onKey);
    window.addEventListener('message', onMessage);
    button.focus();
  }

  function openInEmbed(options, element) {
    if (!element || typeof element.appendChild !== 'function') {
      throw new TypeError('PartnerExchangeWidget.openInEmbed: pass the element to render into.');
    }
    var frame = createFrame(options);
    element.replaceChildren(frame);
  }

  window.PartnerExchangeWidget = { open: open, openInEmbed: openInEmbed, close: close };
})();
`;
