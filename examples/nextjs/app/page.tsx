import { HandoffProvider, ManageSubscriptionButton } from '@handoff/react';
import { redirect } from 'next/navigation';
import { signedInUser } from '../lib/session';

// A Server Component: only strings cross into the client components, so the token comes from
// tokenUrl, the app's own route handler (app/api/handoff-token/route.ts).
export default async function AccountPage() {
  const user = await signedInUser();
  if (!user) redirect('/sign-in');
  return (
    <main>
      <p>Signed in as {user.email}</p>
      <HandoffProvider url={process.env.HANDOFF_PUBLIC_URL!} tokenUrl="/api/handoff-token">
        <ManageSubscriptionButton provider="okepay">Manage subscription</ManageSubscriptionButton>
      </HandoffProvider>
    </main>
  );
}
