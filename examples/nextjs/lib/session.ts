import { cookies } from 'next/headers';

/** Your own users and sessions; here, one demo customer signed in by /sign-in. */
export interface User {
  id: string;
  email: string;
  okepayContactId: number;
}

const users = new Map<string, User>([
  ['ada', { id: 'ada', email: 'ada@example.com', okepayContactId: 1001 }],
]);

export async function signedInUser(): Promise<User | undefined> {
  return users.get((await cookies()).get('session')?.value ?? '');
}
