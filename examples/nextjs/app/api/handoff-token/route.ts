import { handoff } from '../../../lib/handoff';
import { signedInUser } from '../../../lib/session';

/** The signed-in customer's token, for `<HandoffProvider tokenUrl="/api/handoff-token">`. */
export async function GET() {
  const user = await signedInUser();
  if (!user)
    return Response.json({ error: { code: 'unauthorized', message: 'Sign in first.' } }, { status: 401 });
  const { token, expiresAt } = await handoff().customerSessions.create({
    id: user.id,
    email: user.email,
    okepayContactId: user.okepayContactId,
  });
  return Response.json({ token, expiresAt }, { headers: { 'Cache-Control': 'no-store' } });
}
