import { TWOCHECKOUT_ACCESS_PAGES, type LinkResponse, type TwoCheckoutSsoRequest } from '@handoff/core';
import {
  HandoffProvider,
  ManageSubscriptionButton,
  type ManageSubscriptionButtonProps,
  type TwoCheckoutButtonProps,
} from '@handoff/react';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { delay, http, HttpResponse, type HttpHandler } from 'msw';
import type { ComponentType } from 'react';
import { expect, fn, userEvent, waitFor, within } from 'storybook/test';

/**
 * The Handoff backend is answered by MSW (`parameters.msw.handlers`). Its links point at a
 * stand-in provider page served by Storybook, which shows what the link carried: in an app the
 * provider's hosted page opens there, with the customer already logged in.
 */

const BACKEND = 'https://handoff.example.test';

/** A link to the stand-in provider page, as the backend would return it. */
function link(query: Record<string, string>): LinkResponse {
  const url = new URL('provider-page.html', document.baseURI);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return { url: url.href, expiresAt: new Date(Date.now() + 60_000).toISOString() };
}

const okepayLink: HttpHandler = http.post(`${BACKEND}/v1/okepay/login-link`, () =>
  HttpResponse.json(link({ provider: 'okepay', token: 'one-time' })),
);

const twocheckoutSso: HttpHandler = http.post(`${BACKEND}/v1/2checkout/sso`, async ({ request }) => {
  const body = (await request.json()) as TwoCheckoutSsoRequest;
  return HttpResponse.json(
    link({
      provider: '2checkout',
      subscription: body.subscriptionReference,
      page: body.accessPage ?? 'home',
      validFor: String(body.validityTime ?? 10),
    }),
  );
});

/** The props as one flat shape for the controls panel; each story picks a valid combination. */
type StoryArgs = Omit<TwoCheckoutButtonProps, 'provider' | 'subscriptionReference'> & {
  provider: ManageSubscriptionButtonProps['provider'];
  subscriptionReference?: string;
};

const meta = {
  title: 'Components/ManageSubscriptionButton',
  tags: ['autodocs'],
  component: ManageSubscriptionButton as ComponentType<StoryArgs>,
  render: (args) => <ManageSubscriptionButton {...(args as ManageSubscriptionButtonProps)} />,
  decorators: [
    (Story) => (
      <HandoffProvider url={BACKEND} token="hc_story_customer">
        <Story />
      </HandoffProvider>
    ),
  ],
  args: { provider: 'okepay', onOpen: fn(), onError: fn() },
  argTypes: {
    target: { control: 'inline-radio', options: ['new-tab', 'same-tab'] },
    prefetch: { control: 'boolean' },
  },
  parameters: {
    msw: { handlers: [okepayLink, twocheckoutSso] },
    docs: {
      description: {
        component:
          'Opens the customer’s subscription page at the provider, already logged in: the OkePay portal, or ' +
          '2Checkout myAccount for one of their subscriptions. The tab opens inside the click and is sent to ' +
          'the one-time link when it arrives (a blocked tab falls back to this one). States in `data-state`: ' +
          '`idle`, `loading` (`aria-busy`), `error`. The link is fetched when the pointer rests on the button ' +
          'or it gets focus (`prefetch`: on for OkePay; for 2Checkout opt in with `validityTime` ≥ 30). ' +
          'Without React: `<handoff-manage-subscription>`.',
      },
    },
  },
} satisfies Meta<StoryArgs>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Idle. Click it: a tab opens at once and is sent to the OkePay portal link when it arrives. */
export const OkePay: Story = {};

/** Loading: the backend never answers. The button is busy and ignores further clicks. */
export const Loading: Story = {
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
  play: async ({ canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Manage subscription' });
    await userEvent.click(button);
    await expect(button).toHaveAttribute('data-state', 'loading');
    await expect(button).toHaveAttribute('aria-busy', 'true');
  },
};

/**
 * Error: the provider refused (the backend answers 502). The pending tab is closed again,
 * `onError` gets a `HandoffProviderError`, and the next click tries again.
 */
export const ProviderError: Story = {
  parameters: {
    msw: {
      handlers: [
        http.post(`${BACKEND}/v1/okepay/login-link`, () =>
          HttpResponse.json(
            { error: { code: 'provider_error', message: 'OkePay: Instance name or secret is wrong' } },
            { status: 502 },
          ),
        ),
      ],
    },
  },
  play: async ({ args, canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Manage subscription' });
    await userEvent.click(button);
    // The answer comes after the click: wait for it rather than read the state at once.
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'error'));
    await expect(args.onError).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'provider_error', status: 502 }),
    );
  },
};

/**
 * Popup blocked: this story makes `window.open` return `null`, as a browser does when it blocks
 * a new tab. The button then opens the link in the current page instead (here: this preview
 * frame) and says so: `onOpen` receives `{ target: 'same-tab', fallback: 'popup_blocked' }`.
 * It renders in its own frame so the stub cannot affect the other stories.
 */
export const PopupBlocked: Story = {
  beforeEach: () => {
    const original = window.open;
    window.open = () => null;
    return () => {
      window.open = original;
    };
  },
  parameters: { docs: { story: { inline: false, iframeHeight: 240 } } },
};

/** 2Checkout myAccount by single sign-on, landing on the page chosen with `accessPage`. */
export const TwoCheckout: Story = {
  args: {
    provider: '2checkout',
    subscriptionReference: 'B2C1A9F0',
    accessPage: 'change_card',
    validityTime: 30,
    children: 'Update card',
  },
  argTypes: {
    accessPage: { control: 'select', options: TWOCHECKOUT_ACCESS_PAGES },
  },
};

/** One button per 2Checkout myAccount page (no `accessPage`: the myAccount home page). */
export const TwoCheckoutAccessPages: Story = {
  args: { provider: '2checkout', subscriptionReference: 'B2C1A9F0' },
  render: (args) => (
    <ul style={{ display: 'grid', gap: 8, listStyle: 'none', margin: 0, padding: 0 }}>
      {[undefined, ...TWOCHECKOUT_ACCESS_PAGES].map((accessPage) => (
        <li key={accessPage ?? 'home'}>
          <ManageSubscriptionButton
            {...(args as TwoCheckoutButtonProps)}
            provider="2checkout"
            subscriptionReference="B2C1A9F0"
            accessPage={accessPage}
          >
            {accessPage ?? 'myAccount home'}
          </ManageSubscriptionButton>
        </li>
      ))}
    </ul>
  ),
};

/** `asChild`: your own element (here a link styled by the app) with the button's behaviour. */
export const AsChild: Story = {
  render: (args) => (
    <ManageSubscriptionButton {...(args as ManageSubscriptionButtonProps)} asChild>
      <a href="#billing" style={{ color: 'rebeccapurple', fontWeight: 600 }}>
        Billing portal
      </a>
    </ManageSubscriptionButton>
  ),
};

/** A backend error answer for the 2Checkout route, as `POST /v1/2checkout/sso` sends it. */
function twocheckoutError(status: number, code: string, message: string): HttpHandler {
  return http.post(`${BACKEND}/v1/2checkout/sso`, () =>
    HttpResponse.json({ error: { code, message } }, { status }),
  );
}

/** Clicks the 2Checkout button and checks the error state and what `onError` received. */
function expectTwoCheckoutError(code: string, status: number): Story['play'] {
  return async ({ args, canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Update card' });
    await userEvent.click(button);
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'error'));
    await expect(args.onError).toHaveBeenCalledWith(expect.objectContaining({ code, status }));
  };
}

const twocheckoutArgs = {
  provider: '2checkout',
  subscriptionReference: 'B2C1A9F0',
  accessPage: 'change_card',
  children: 'Update card',
} as const;

/** 2Checkout error: the subscription is not one of this customer's (403 `forbidden`). */
export const TwoCheckoutForbidden: Story = {
  args: { ...twocheckoutArgs, subscriptionReference: 'SOMEONE-ELSES' },
  parameters: {
    msw: {
      handlers: [twocheckoutError(403, 'forbidden', 'That subscription is not one of this customer’s.')],
    },
  },
  play: expectTwoCheckoutError('forbidden', 403),
};

/** 2Checkout error: the provider refused the request (502 with 2Checkout's own message). */
export const TwoCheckoutProviderError: Story = {
  args: twocheckoutArgs,
  parameters: {
    msw: { handlers: [twocheckoutError(502, 'provider_error', '2Checkout: AUTHENTICATION_FAILED')] },
  },
  play: expectTwoCheckoutError('provider_error', 502),
};

/** 2Checkout error: the provider did not answer within the backend's timeout (504). */
export const TwoCheckoutTimeout: Story = {
  args: twocheckoutArgs,
  parameters: {
    msw: {
      handlers: [twocheckoutError(504, 'provider_timeout', '2Checkout did not answer within 10000 ms.')],
    },
  },
  play: expectTwoCheckoutError('provider_timeout', 504),
};

/** The customer token expired or was revoked (401): the host app should get a fresh one. */
export const CustomerTokenExpired: Story = {
  args: twocheckoutArgs,
  parameters: {
    msw: {
      handlers: [twocheckoutError(401, 'unauthorized', 'The customer token is unknown, expired or revoked.')],
    },
  },
  play: expectTwoCheckoutError('unauthorized', 401),
};

/** 2Checkout is not set up on this backend (503 `provider_not_configured`). */
export const TwoCheckoutNotConfigured: Story = {
  args: twocheckoutArgs,
  parameters: {
    msw: {
      handlers: [
        twocheckoutError(503, 'provider_not_configured', '2Checkout is not configured on this backend.'),
      ],
    },
  },
  play: expectTwoCheckoutError('provider_not_configured', 503),
};
