// Typechecked under React 19 (the workspace's `tsc -b`) and React 18 (test/react18/tsconfig.jsx.json,
// run by jsx-types.test.ts): the custom elements used in TSX as README shows. Each
// `@ts-expect-error` fails the check if the typings stop catching that mistake.
import type {} from '@handoff/elements/jsx';

export function AccountPage() {
  return (
    <section>
      <handoff-manage-subscription provider="okepay" class="button">
        Manage subscription
      </handoff-manage-subscription>
      <handoff-manage-subscription provider="2checkout" subscription-reference="ABC123" target="same-tab" />
      <handoff-paybis-launcher flow="buyCrypto" mode="overlay" currency-code-to="BTC" prefetch="false">
        Buy bitcoin
      </handoff-paybis-launcher>
      {/* @ts-expect-error: not a provider */}
      <handoff-manage-subscription provider="stripe" />
      {/* @ts-expect-error: the provider is required */}
      <handoff-manage-subscription />
      {/* @ts-expect-error: not a Paybis flow */}
      <handoff-paybis-launcher flow="sell" />
    </section>
  );
}
