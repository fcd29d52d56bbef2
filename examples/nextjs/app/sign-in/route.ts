import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';

/** A stand-in for your sign-in: the demo customer's session cookie. */
export async function GET() {
  (await cookies()).set('session', 'ada', { httpOnly: true, sameSite: 'lax', path: '/' });
  redirect('/');
}
