import { configure } from '@handoff/elements';

/**
 * The plain HTML page's only code: where the backend is and how to get the signed-in customer's
 * token (from the host app's own server, which knows who is signed in), then an event log.
 */
interface HostMe {
  backendUrl: string;
  customer: { name: string };
}

const me = (await (await fetch('/api/me')).json()) as HostMe;
document.querySelector('[data-testid="signed-in-as"]')!.textContent = me.customer.name;

// The token is kept until it nearly expires: a link fetched ahead is used only with the token
// it was fetched with, and asking for a new token every time would also cost a round trip.
let cached: { token: string; expiresAt: number } | undefined;
configure({
  url: me.backendUrl,
  getToken: async () => {
    if (cached && cached.expiresAt - Date.now() > 30_000) return cached.token;
    const res = await fetch('/api/handoff-token', { method: 'POST' });
    if (!res.ok) throw new Error(`The host app could not get a customer token (${res.status}).`);
    const body = (await res.json()) as { token: string; expiresAt: string };
    cached = { token: body.token, expiresAt: Date.parse(body.expiresAt) };
    return cached.token;
  },
});

const log = document.querySelector('[data-testid="event-log"]')!;
for (const type of [
  'handoff:open',
  'handoff:error',
  'handoff:widget-event',
  'handoff:complete',
  'handoff:close',
]) {
  document.addEventListener(type, (event) => {
    const detail = (event as CustomEvent<Record<string, unknown> | null>).detail;
    const item = document.createElement('li');
    item.dataset.type = type;
    item.dataset.source = (event.target as Element).localName;
    const what = detail?.provider ?? detail?.name ?? (detail?.error as Error | undefined)?.message ?? '';
    item.textContent = `${type} ${String(what)}`.trim();
    log.append(item);
  });
}
