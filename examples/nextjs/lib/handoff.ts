import { createHandoffClient, type HandoffServerClient } from '@handoff/node';

let client: HandoffServerClient | undefined;

/** One client per server process (created on first use: `next build` runs without these variables). */
export function handoff(): HandoffServerClient {
  client ??= createHandoffClient({
    url: process.env.HANDOFF_URL!,
    apiKey: process.env.HANDOFF_API_KEY!,
    apiSecret: process.env.HANDOFF_API_SECRET!,
  });
  return client;
}
