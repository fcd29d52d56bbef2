import { vi } from 'vitest';

/** The tab `window.open` hands back, observable: where it was sent, its opener, whether it closed. */
export function fakeTab() {
  const tab = {
    opener: {} as unknown,
    closed: false,
    document: { title: '', body: { textContent: '' } },
    location: { replace: vi.fn<(url: string) => void>() },
    close: vi.fn(() => {
      tab.closed = true;
    }),
  };
  return tab;
}
