import type { LinkResponse, PaybisSessionResponse } from '@handoff/core';
import { configure, defineHandoffElements } from '@handoff/elements';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { delay, http, HttpResponse, type HttpHandler } from 'msw';
import { createElement, useEffect, useRef } from 'react';
import { expect, fn, userEvent, waitFor, within } from 'storybook/test';
import { PAYBIS_WIDGET, paybisOverlay, paybisWidgetScript } from './support/paybis-sandbox.ts';

/**
 * The custom elements for pages without React, `<handoff-manage-subscription>` and
 * `<handoff-paybis-launcher>`, here rendered from React only to place them in the story. The
 * backend is answered by MSW; links point at a stand-in provider page served by Storybook, and
 * the Paybis widget comes from the local sandbox stand-in: no story needs the network.
 */

const BACKEND = 'https://handoff.example.test';
const WIDGET = PAYBIS_WIDGET;

function link(query: Record<string, string>): LinkResponse {
  const url = new URL('provider-page.html', document.baseURI);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return { url: url.href, expiresAt: new Date(Date.now() + 60_000).toISOString() };
}

const okepayLink: HttpHandler = http.post(`${BACKEND}/v1/okepay/login-link`, () =>
  HttpResponse.json(link({ provider: 'okepay', token: 'one-time' })),
);
// Like the backend, refuses a request without a subscription (production builds of the elements
// leave that check to it; development builds refuse before asking).
const twocheckoutSso: HttpHandler = http.post(`${BACKEND}/v1/2checkout/sso`, async ({ request }) => {
  const body = (await request.json()) as { subscriptionReference?: unknown };
  return typeof body.subscriptionReference === 'string'
    ? HttpResponse.json(link({ provider: '2checkout', token: 'one-time' }))
    : HttpResponse.json(
        { error: { code: 'bad_request', message: 'subscriptionReference: Required' } },
        { status: 400 },
      );
});
const paybisSession: HttpHandler = http.post(`${BACKEND}/v1/paybis/session`, () =>
  HttpResponse.json({
    requestId: 'story-request',
    oneTimeToken: 'story-one-time-token',
    widgetUrl: `${WIDGET}/?requestId=story-request&oneTimeToken=story-one-time-token`,
    scriptUrl: `${WIDGET}/partner-exchange-widget.js`,
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
  } satisfies PaybisSessionResponse),
);

/** The story's arguments: the element, its attributes and label, and spies for its events. */
interface ElementArgs {
  tag: 'handoff-manage-subscription' | 'handoff-paybis-launcher';
  attributes: Record<string, string>;
  label?: string;
  onOpen: (detail: unknown) => void;
  onError: (detail: unknown) => void;
  onWidgetEvent?: (detail: unknown) => void;
}

function Element({ tag, attributes, label, onOpen, onError, onWidgetEvent }: ElementArgs) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    const element = ref.current!;
    const listeners: Array<[string, (event: Event) => void]> = [
      ['handoff:open', (event) => onOpen((event as CustomEvent).detail)],
      ['handoff:error', (event) => onError((event as CustomEvent).detail)],
      ['handoff:widget-event', (event) => onWidgetEvent?.((event as CustomEvent).detail)],
    ];
    for (const [type, listener] of listeners) element.addEventListener(type, listener);
    return () => {
      for (const [type, listener] of listeners) element.removeEventListener(type, listener);
    };
  }, [onOpen, onError, onWidgetEvent]);
  return createElement(tag, { ...attributes, ref }, label);
}

const meta = {
  title: 'Elements/Custom elements',
  tags: ['autodocs'],
  component: Element,
  parameters: {
    docs: {
      description: {
        component:
          'Custom elements built on `@handoff/core`, for pages without React. Include `handoff-elements.js` ' +
          'with a `<script>` tag (or `import "@handoff/elements"`), call `Handoff.configure({ url, token })` ' +
          'once, and place the elements. Each renders a real `<button type="button">` with `data-state` and ' +
          '`aria-busy`, and dispatches `handoff:open` and `handoff:error` (the Paybis launcher also ' +
          '`handoff:widget-event`, `handoff:complete`, `handoff:close`). The link or session is fetched ' +
          'when the pointer rests on the button or it gets focus, so the click opens the provider page at once.',
      },
    },
    msw: {
      handlers: [okepayLink, twocheckoutSso, paybisSession, ...paybisWidgetScript],
    },
  },
  beforeEach: () => {
    // Called, not left to the import: the package is free of side effects, so a bundler may drop
    // a module-level call of a module it imports only `configure` from.
    defineHandoffElements();
    configure({ url: BACKEND, token: 'hc_story_customer' });
  },
  args: {
    tag: 'handoff-manage-subscription',
    attributes: { provider: 'okepay' },
    label: 'Manage subscription',
    onOpen: fn(),
    onError: fn(),
    onWidgetEvent: fn(),
  },
} satisfies Meta<ElementArgs>;

export default meta;
type Story = StoryObj<typeof meta>;

/**
 * `<handoff-manage-subscription provider="okepay">`: hover it (the link is fetched ahead), then
 * click: a tab opens at once at the provider page.
 */
export const OkePay: Story = {
  play: async ({ args, canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Manage subscription' });
    await expect(button).toHaveAttribute('type', 'button');
    await expect(button).toHaveAttribute('data-state', 'idle');
    await expect(args.onOpen).not.toHaveBeenCalled();
  },
};

/** `provider="2checkout"` with a subscription, a myAccount page, and prefetch opted in (60 s links). */
export const TwoCheckout: Story = {
  args: {
    attributes: {
      provider: '2checkout',
      'subscription-reference': 'B2C1A9F0',
      'access-page': 'change_card',
      'validity-time': '60',
      prefetch: '',
    },
    label: 'Update card',
  },
};

/** Loading: the backend never answers; the button is busy and ignores further clicks. */
export const Loading: Story = {
  args: { attributes: { provider: 'okepay', prefetch: 'false' } },
  parameters: {
    msw: {
      handlers: [
        http.post(`${BACKEND}/v1/okepay/login-link`, async () => {
          await delay('infinite');
          return HttpResponse.json({});
        }),
      ],
    },
  },
  beforeEach: () => {
    const original = window.open;
    // No stray tab from the play function: the pending tab is this stand-in.
    window.open = () => ({ closed: false, close() {}, location: { replace() {} } }) as unknown as Window;
    return () => {
      window.open = original;
    };
  },
  play: async ({ canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Manage subscription' });
    await userEvent.click(button);
    await expect(button).toHaveAttribute('data-state', 'loading');
    await expect(button).toHaveAttribute('aria-busy', 'true');
  },
};

/** Error: a bad attribute is reported with `handoff:error`, naming the attribute. */
export const BadAttribute: Story = {
  args: { attributes: { provider: '2checkout' }, label: 'Manage licence' },
  play: async ({ args, canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Manage licence' });
    await userEvent.click(button);
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'error'));
    await waitFor(() =>
      expect(args.onError).toHaveBeenCalledWith({
        error: expect.objectContaining({ code: 'bad_request' }),
      }),
    );
  },
};

/** `<handoff-paybis-launcher mode="overlay">`: the Paybis widget over the page. */
export const PaybisOverlay: Story = {
  args: {
    tag: 'handoff-paybis-launcher',
    attributes: {
      mode: 'overlay',
      flow: 'buyCrypto',
      'currency-code-from': 'EUR',
      'currency-code-to': 'BTC',
      'close-on-complete': '',
    },
    label: 'Buy crypto',
  },
  play: async ({ args, canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Buy crypto' });
    await userEvent.click(button);
    await waitFor(() => expect(paybisOverlay(canvasElement.ownerDocument)).not.toBeNull());
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'open'));
    await waitFor(() => expect(args.onWidgetEvent).toHaveBeenCalledWith({ name: 'loaded' }));
    await expect(args.onError).not.toHaveBeenCalled();
  },
};
