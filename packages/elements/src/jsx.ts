/**
 * JSX typings for the custom elements, for React 18 and 19 (both read `React.JSX`, which
 * `react/jsx-runtime` uses). Opt in from any file of the app:
 *
 * @example
 * import type {} from '@handoff/elements/jsx';
 *
 * <handoff-manage-subscription provider="okepay">Manage subscription</handoff-manage-subscription>
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { PaybisWidgetMode, TwoCheckoutAccessPage } from '@handoff/core';
import type { HandoffManageSubscriptionElement } from './manage-subscription.ts';
import type { HandoffPaybisLauncherElement } from './paybis-launcher.ts';

/** What every Handoff element accepts, besides the usual HTML attributes. */
export interface HandoffElementAttributes {
  /** The backend's URL, when this element does not use the configured client. */
  url?: string;
  /** A customer token for this element (with `url`). */
  token?: string;
  /** Instead of `token`: the host app's endpoint answering `{ token, expiresAt }` (with `url`). */
  'token-url'?: string;
  /** Absent: the provider's default; `"false"` or `"off"`: never fetch the link before the click. */
  prefetch?: 'true' | 'false' | 'off' | '';
}

export interface HandoffManageSubscriptionAttributes extends HandoffElementAttributes {
  provider: 'okepay' | '2checkout';
  'subscription-reference'?: string;
  'access-page'?: TwoCheckoutAccessPage;
  'validity-time'?: number | string;
  target?: 'new-tab' | 'same-tab';
}

export interface HandoffPaybisLauncherAttributes extends HandoffElementAttributes {
  flow?: 'buyCrypto' | 'sellCrypto';
  mode?: PaybisWidgetMode;
  container?: string;
  locale?: string;
  'currency-code-from'?: string;
  'currency-code-to'?: string;
  amount?: string;
  'success-return-url'?: string;
  'failure-return-url'?: string;
  'wallet-address'?: string;
  'wallet-currency'?: string;
}

type ElementProps<Element extends HTMLElement, Attributes> = DetailedHTMLProps<
  HTMLAttributes<Element>,
  Element
> &
  Attributes & { class?: string };

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'handoff-manage-subscription': ElementProps<
        HandoffManageSubscriptionElement,
        HandoffManageSubscriptionAttributes
      >;
      'handoff-paybis-launcher': ElementProps<HandoffPaybisLauncherElement, HandoffPaybisLauncherAttributes>;
    }
  }
}
