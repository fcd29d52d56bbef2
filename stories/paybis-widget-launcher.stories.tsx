import type { PaybisSessionResponse } from '@handoff/core';
import { HandoffProvider, PaybisWidgetLauncher } from '@handoff/react';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { delay, http, HttpResponse, type HttpHandler } from 'msw';
import { useRef } from 'react';
import { expect, fn, userEvent, waitFor, within } from 'storybook/test';
import {
  PAYBIS_WIDGET,
  paybisOverlay,
  paybisWidgetDocument,
  paybisWidgetScript,
} from './support/paybis-sandbox.ts';

/**
 * The backend is answered by MSW; the Paybis Web SDK script is the Handoff sandbox's (also
 * through MSW), and the widget page it frames is a stand-in of the sandbox page served by
 * Storybook itself: every story works with no network.
 */

const BACKEND = 'https://handoff.example.test';
const WIDGET = PAYBIS_WIDGET;

const LOGGED_IN: PaybisSessionResponse = {
  requestId: 'story-request',
  oneTimeToken: 'story-one-time-token',
  widgetUrl: `${WIDGET}/?requestId=story-request&oneTimeToken=story-one-time-token`,
  scriptUrl: `${WIDGET}/partner-exchange-widget.js`,
  expiresAt: '2030-01-01T00:15:00.000Z',
};

const FIRST_SESSION: PaybisSessionResponse = {
  requestId: 'story-request',
  widgetUrl: `${WIDGET}/?requestId=story-request`,
  scriptUrl: `${WIDGET}/partner-exchange-widget.js`,
};

const widgetScript = paybisWidgetScript;

const session = (body: PaybisSessionResponse): HttpHandler[] => [
  http.post(`${BACKEND}/v1/paybis/session`, () => HttpResponse.json(body)),
  ...widgetScript,
];

const backendError = (status: number, code: string, message: string): HttpHandler[] => [
  http.post(`${BACKEND}/v1/paybis/session`, () =>
    HttpResponse.json({ error: { code, message } }, { status }),
  ),
];

const meta = {
  title: 'Components/PaybisWidgetLauncher',
  tags: ['autodocs'],
  component: PaybisWidgetLauncher,
  decorators: [
    (Story) => (
      <HandoffProvider url={BACKEND} token="hc_story_customer">
        <Story />
      </HandoffProvider>
    ),
  ],
  args: {
    flow: 'buyCrypto',
    currencyCodeFrom: 'EUR',
    currencyCodeTo: 'BTC',
    amount: '100.00',
    onEvent: fn(),
    onComplete: fn(),
    onClose: fn(),
    onError: fn(),
    onOpen: fn(),
  },
  argTypes: {
    mode: { control: 'inline-radio', options: ['overlay', 'embedded', 'new-tab', 'redirect'] },
    flow: { control: 'inline-radio', options: ['buyCrypto', 'sellCrypto'] },
    prefetch: { control: 'boolean' },
  },
  parameters: {
    msw: { handlers: session(LOGGED_IN) },
    docs: {
      description: {
        component:
          'Starts the Paybis on/off-ramp widget for the signed-in customer, logged in when Paybis already ' +
          'knows them: as an overlay (default), embedded in a `container`, in a new tab or by redirect. ' +
          'States in `data-state`: `idle`, `loading` (`aria-busy`), `open`, `error`. The session is fetched ' +
          'when the pointer rests on the button or it gets focus (`prefetch`, default on), so the click ' +
          'opens the widget at once. Without React: `<handoff-paybis-launcher>`.',
      },
    },
  },
} satisfies Meta<typeof PaybisWidgetLauncher>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Idle: a returning customer; the overlay opens logged in (the session carries a one-time token). */
export const Overlay: Story = {
  args: { mode: 'overlay' },
};

/** A first session: no token, so the widget asks for the customer's email and a one-time code. */
export const OverlayFirstSession: Story = {
  args: { mode: 'overlay' },
  parameters: { msw: { handlers: session(FIRST_SESSION) } },
};

/** Open: clicked, the Paybis SDK overlay is up (close it with its × button or Escape). */
export const OverlayOpen: Story = {
  args: { mode: 'overlay' },
  play: async ({ canvasElement, args }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Buy crypto' });
    await userEvent.click(button);
    await waitFor(() => expect(paybisOverlay(canvasElement.ownerDocument)).toBeVisible());
    await expect(paybisOverlay(canvasElement.ownerDocument)).toHaveAccessibleName('Paybis');
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'open'));
    await expect(args.onError).not.toHaveBeenCalled();
  },
};

/**
 * `closeOnComplete`: once the customer completed a purchase the overlay closes by itself, after
 * `onComplete`; `onClose` follows and the button is idle again.
 */
export const CloseOnComplete: Story = {
  args: { mode: 'overlay', closeOnComplete: true },
  play: async ({ canvasElement, args }) => {
    const document = canvasElement.ownerDocument;
    const button = within(canvasElement).getByRole('button', { name: 'Buy crypto' });
    await userEvent.click(button);
    await waitFor(() => expect(paybisWidgetDocument(document)).not.toBeNull());
    const widget = within(paybisWidgetDocument(document)!.body);
    await userEvent.click(await widget.findByRole('button', { name: 'Buy' }));
    await waitFor(() => expect(args.onComplete).toHaveBeenCalled());
    await waitFor(() => expect(paybisOverlay(document)).toBeNull());
    await expect(args.onClose).toHaveBeenCalled();
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'idle'));
  },
};

/** Embedded: the widget renders into an element of the page instead of an overlay. */
export const Embedded: Story = {
  args: { mode: 'embedded' },
  render: function EmbeddedStory(args) {
    const box = useRef<HTMLDivElement>(null);
    return (
      <div style={{ display: 'grid', gap: 16, maxWidth: 480 }}>
        <PaybisWidgetLauncher {...args} container={box} />
        <div
          ref={box}
          aria-label="Paybis widget"
          role="region"
          style={{ minHeight: 560, border: '1px dashed #999' }}
        />
      </div>
    );
  },
};

/** New tab: the tab is opened inside the click, then sent to the widget page once the session arrives. */
export const NewTab: Story = {
  args: { mode: 'new-tab', successReturnURL: 'https://shop.example/paybis/done' },
};

/** Redirect: this page goes to the widget, which returns to `successReturnURL` when done. */
export const Redirect: Story = {
  args: {
    mode: 'redirect',
    successReturnURL: 'https://shop.example/paybis/done',
    failureReturnURL: 'https://shop.example/paybis/failed',
  },
};

/** Selling instead of buying. */
export const Sell: Story = {
  args: {
    mode: 'overlay',
    flow: 'sellCrypto',
    currencyCodeFrom: 'BTC',
    currencyCodeTo: 'EUR',
    amount: '0.01',
  },
};

/** Loading: the backend has not answered yet (`aria-busy`, `data-state="loading"`). */
export const Loading: Story = {
  parameters: {
    msw: {
      handlers: [
        http.post(`${BACKEND}/v1/paybis/session`, async () => {
          await delay('infinite');
          return HttpResponse.json(LOGGED_IN);
        }),
      ],
    },
  },
  play: async ({ canvasElement }) => {
    const button = within(canvasElement).getByRole('button');
    await userEvent.click(button);
    await expect(button).toHaveAttribute('data-state', 'loading');
    await expect(button).toHaveAttribute('aria-busy', 'true');
  },
};

/** Error: this customer may not use Paybis (403); `onError` gets a typed HandoffError. */
export const Forbidden: Story = {
  parameters: { msw: { handlers: backendError(403, 'forbidden', 'This customer may not use Paybis.') } },
  play: async ({ canvasElement, args }) => {
    const button = within(canvasElement).getByRole('button');
    await userEvent.click(button);
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'error'));
    await expect(args.onError).toHaveBeenCalled();
  },
};

/** Error: Paybis refused or timed out (502 / 504 from the backend). */
export const ProviderDown: Story = {
  parameters: { msw: { handlers: backendError(502, 'provider_error', 'Paybis: could not be reached') } },
  play: async ({ canvasElement, args }) => {
    const button = within(canvasElement).getByRole('button');
    await userEvent.click(button);
    // The answer comes after the click: wait for it rather than read the state at once.
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'error'));
    await expect(args.onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'provider_error' }));
  },
};

/** `asChild`: your own element, with the launcher's behaviour and state attributes. */
export const AsChild: Story = {
  args: {
    asChild: true,
    children: (
      <button
        type="button"
        style={{ padding: '12px 20px', borderRadius: 24, background: '#5b3df5', color: '#fff' }}
      >
        Buy bitcoin with Paybis
      </button>
    ),
  },
};
