import { describe, expect, it, vi } from 'vitest';
import { openPending, type OpenerWindow } from './open-window.ts';

/** A stand-in for the blank tab `window.open('', '_blank')` returns. */
function fakeChild() {
  return {
    opener: {} as unknown,
    closed: false,
    document: { title: '', body: { textContent: '' } },
    location: { replace: vi.fn() },
    close: vi.fn(function (this: { closed: boolean }) {
      this.closed = true;
    }),
  };
}

function fakeWindow(child: ReturnType<typeof fakeChild> | null) {
  const open = vi.fn(() => child as unknown as Window);
  const assign = vi.fn();
  const win = { open, location: { assign } } as unknown as OpenerWindow;
  return { win, open, assign };
}

const URL_OK = 'https://demo.okepay.info/portal?token=abc';

describe('openPending', () => {
  it('opens a blank tab at once, cuts its opener, then navigates it', () => {
    const child = fakeChild();
    const { win, open, assign } = fakeWindow(child);
    const pending = openPending('new-tab', win);
    expect(open).toHaveBeenCalledWith('', '_blank');
    expect(child.opener).toBeNull();
    expect(pending.blocked).toBe(false);

    expect(pending.navigate(URL_OK)).toEqual({ url: URL_OK, target: 'new-tab', fallback: null });
    expect(child.location.replace).toHaveBeenCalledWith(URL_OK);
    expect(assign).not.toHaveBeenCalled();
  });

  it('falls back to the current page when the popup is blocked, and says so', () => {
    const { win, assign } = fakeWindow(null);
    const pending = openPending('new-tab', win);
    expect(pending.blocked).toBe(true);
    expect(pending.navigate(URL_OK)).toEqual({ url: URL_OK, target: 'same-tab', fallback: 'popup_blocked' });
    expect(assign).toHaveBeenCalledWith(URL_OK);
  });

  it('falls back to the current page when the blank tab was closed before the link came', () => {
    const child = fakeChild();
    const { win, assign } = fakeWindow(child);
    const pending = openPending('new-tab', win);
    child.closed = true;
    expect(pending.navigate(URL_OK)).toMatchObject({ target: 'same-tab', fallback: 'popup_blocked' });
    expect(assign).toHaveBeenCalledWith(URL_OK);
    expect(child.location.replace).not.toHaveBeenCalled();
  });

  it('navigates the current page for same-tab without opening anything', () => {
    const { win, open, assign } = fakeWindow(fakeChild());
    const pending = openPending('same-tab', win);
    expect(open).not.toHaveBeenCalled();
    expect(pending.blocked).toBe(false);
    expect(pending.navigate(URL_OK)).toEqual({ url: URL_OK, target: 'same-tab', fallback: null });
    expect(assign).toHaveBeenCalledWith(URL_OK);
  });

  it('close() closes the blank tab and is safe to repeat or to call without one', () => {
    const child = fakeChild();
    const pending = openPending('new-tab', fakeWindow(child).win);
    pending.close();
    pending.close();
    expect(child.close).toHaveBeenCalledTimes(1);
    expect(() => openPending('new-tab', fakeWindow(null).win).close()).not.toThrow();
    expect(() => openPending('same-tab', fakeWindow(null).win).close()).not.toThrow();
  });

  it('refuses a URL that is not http(s) and closes the blank tab', () => {
    const child = fakeChild();
    const { win, assign } = fakeWindow(child);
    const pending = openPending('new-tab', win);
    expect(() => pending.navigate('javascript:alert(1)')).toThrow(/not an http\(s\) URL/);
    expect(child.close).toHaveBeenCalled();
    expect(child.location.replace).not.toHaveBeenCalled();
    expect(assign).not.toHaveBeenCalled();
  });

  it('opens a link already in hand straight away, cuts its opener, and does not navigate it again', () => {
    const child = fakeChild();
    const { win, open, assign } = fakeWindow(child);
    const pending = openPending('new-tab', win, URL_OK);
    expect(open).toHaveBeenCalledWith(URL_OK, '_blank');
    expect(child.opener).toBeNull();
    expect(pending.navigate(URL_OK)).toEqual({ url: URL_OK, target: 'new-tab', fallback: null });
    expect(child.location.replace).not.toHaveBeenCalled();
    expect(assign).not.toHaveBeenCalled();
    expect(open).toHaveBeenCalledTimes(1);
  });

  it('still falls back in place when the tab for a link in hand is blocked', () => {
    const { win, assign } = fakeWindow(null);
    const pending = openPending('new-tab', win, URL_OK);
    expect(pending.blocked).toBe(true);
    expect(pending.navigate(URL_OK)).toEqual({ url: URL_OK, target: 'same-tab', fallback: 'popup_blocked' });
    expect(assign).toHaveBeenCalledWith(URL_OK);
  });

  it('goes to a link already in hand in place for same-tab', () => {
    const { win, open, assign } = fakeWindow(fakeChild());
    expect(openPending('same-tab', win, URL_OK).navigate(URL_OK)).toEqual({
      url: URL_OK,
      target: 'same-tab',
      fallback: null,
    });
    expect(assign).toHaveBeenCalledWith(URL_OK);
    expect(open).not.toHaveBeenCalled();
  });

  it('refuses a link in hand that is not http(s), opening nothing', () => {
    const { win, open, assign } = fakeWindow(fakeChild());
    expect(() => openPending('new-tab', win, 'javascript:alert(1)')).toThrow(/not an http\(s\) URL/);
    expect(() => openPending('same-tab', win, 'data:text/html,x')).toThrow(/not an http\(s\) URL/);
    expect(open).not.toHaveBeenCalled();
    expect(assign).not.toHaveBeenCalled();
  });
});
