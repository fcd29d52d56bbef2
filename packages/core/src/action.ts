import type { HandoffClient } from './client.ts';
import { HandoffError } from './errors.ts';
import type { OpenResult, PendingWindow } from './open-window.ts';
import { createPrefetchCache, type Expiring } from './prefetch.ts';

/** Where a button stands: `open` while an overlay or embedded widget it opened is on the page. */
export type ActionState = 'idle' | 'loading' | 'open' | 'error';

/** What a button shows. A new object on every change and the same one otherwise, so it can be compared. */
export interface ActionSnapshot {
  readonly state: ActionState;
  /** Why the last click failed, while `state` is `error`. */
  readonly error: HandoffError | null;
}

/** How an action reports; read when each report is made, so the latest options are the ones called. */
export interface ActionCallbacks {
  /** The page or widget opened: where a page opened, or `null` for a widget shown on this page. */
  onOpen?: (result: OpenResult | null) => void;
  /** A click failed, or an open widget reported an error. */
  onError?: (error: HandoffError) => void;
}

/** What a click prepared, handed to the descriptor's `open` with the value the backend gave. */
export interface ActionOpenContext<Options> {
  /** The tab opened inside the click, when the descriptor's `prepare` opened one. */
  pending: PendingWindow | undefined;
  /** Aborts when the button goes away before anything opened. */
  signal: AbortSignal;
  /** The options now (they may have changed since the click). */
  options: () => Options;
  /** For a widget that closes by itself: the button is idle again and `close` is forgotten. */
  closed: () => void;
}

/** How a button stands once `open` is done, what to report, and how to close what stays open. */
export interface ActionOpened {
  /** `idle` once a page opened, `open` while a widget stays on this page, `loading` while this page goes. */
  state: 'idle' | 'open' | 'loading';
  /** Reported through `onOpen`; `undefined` reports nothing. */
  result?: OpenResult | null;
  /** Closes a widget that stays open (on the next click, on `dispose`). */
  close?: () => void;
}

/** What one click or intent does, worked out from the options by a descriptor. */
export interface ActionPlan<Options, Value extends Expiring> {
  /** Identifies the request: what was fetched ahead for another request is not used for this one. */
  key: string;
  /** Whether intent fetches ahead. */
  prefetch: boolean;
  /** Milliseconds a value lives from its request, when known in advance (2Checkout's `validityTime`). */
  lifeMs?: number;
  /** Asks the backend for the link or session. */
  load: (client: HandoffClient, signal: AbortSignal) => Promise<Value>;
  /** Starts loading the code opening needs, at intent and at the latest in the click. */
  warm?: () => void;
  /**
   * Runs synchronously inside the click, the only moment a browser lets a new tab open. `ready`
   * is the value fetched ahead when it has already arrived, so the page can open at once.
   */
  prepare: (ready: Value | undefined) => PendingWindow | undefined;
  /** Opens what `load` got. */
  open: (value: Value, context: ActionOpenContext<Options>) => Promise<ActionOpened>;
}

/**
 * One provider's rules: checks the options (throwing a `HandoffOptionError` that names a bad one)
 * and says what a click asks for, how long its answer lives, whether intent fetches ahead, and
 * how it opens.
 */
export interface ActionDescriptor<Options, Value extends Expiring> {
  /** Checks the options. `strict` adds what is a mistake only in code (development builds). */
  check: (options: Options, strict?: boolean) => void;
  /** Checks the options and plans the request; may check what only exists now (a container). */
  plan: (options: Options) => ActionPlan<Options, Value>;
}

/** One button's behaviour, free of any framework: bind it to a button and render its snapshot. */
export interface Action<Options> {
  /** Calls `listener` on every new snapshot; returns the unsubscribe function. */
  subscribe: (listener: () => void) => () => void;
  getSnapshot: () => ActionSnapshot;
  /** Replaces the options (props or attributes changed); used from the next intent or click on. */
  setOptions: (options: Options) => void;
  /** The customer shows intent (pointer resting on the button, focus): fetch ahead. Never throws. */
  intent: () => void;
  /** The click: call it synchronously inside the click handler. Never throws. */
  click: () => void;
  /**
   * The button goes away: drops what was fetched ahead, closes an open widget, and stops a
   * click that has opened nothing yet. The action may be used again afterwards.
   */
  dispose: () => void;
}

const IDLE: ActionSnapshot = { state: 'idle', error: null };

const asHandoffError = (error: unknown): HandoffError =>
  error instanceof HandoffError ? error : new HandoffError('internal', String(error), { cause: error });

/**
 * Creates one button's action. `client` may be a function, read at each intent and click (an
 * element's client comes from its attributes or `Handoff.configure`); what was fetched ahead
 * with one client is never used with another, which may be another customer.
 *
 * @example
 * const action = createAction(client, manageSubscriptionAction, { provider: 'okepay' });
 * button.onpointerenter = button.onfocus = action.intent;
 * button.onclick = action.click;
 * action.subscribe(() => (button.dataset.state = action.getSnapshot().state));
 */
export function createAction<Options extends ActionCallbacks, Value extends Expiring>(
  client: HandoffClient | (() => HandoffClient),
  descriptor: ActionDescriptor<Options, Value>,
  initialOptions: Options,
): Action<Options> {
  let options = initialOptions;
  let snapshot = IDLE;
  const listeners = new Set<() => void>();
  const cache = createPrefetchCache<Value>();
  let cacheClient: HandoffClient | undefined;
  /** What `dispose` does to the click in flight; set while one is. */
  let stopClick: (() => void) | undefined;
  /** Closes the widget the last click left open. */
  let closeOpened: (() => void) | undefined;

  const setState = (state: ActionState, error: HandoffError | null = null) => {
    if (state === snapshot.state && error === snapshot.error) return;
    snapshot = { state, error };
    for (const listener of listeners) listener();
  };
  const fail = (error: unknown) => {
    const reported = asHandoffError(error);
    setState('error', reported);
    options.onError?.(reported);
  };
  const currentClient = () => {
    const current = typeof client === 'function' ? client() : client;
    // Another client may be another customer: what was fetched for the last one goes.
    if (current !== cacheClient) cache.drop();
    cacheClient = current;
    return current;
  };
  const closeWidget = () => {
    closeOpened?.();
    closeOpened = undefined;
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
    setOptions(next) {
      options = next;
    },

    intent() {
      if (stopClick) return;
      try {
        const plan = descriptor.plan(options);
        const current = currentClient();
        plan.warm?.();
        if (plan.prefetch) cache.prefetch(plan.key, (signal) => plan.load(current, signal), plan.lifeMs);
      } catch {
        // Bad options or no backend: the click reports it.
      }
    },

    click() {
      if (stopClick) return;
      let plan: ActionPlan<Options, Value>;
      let current: HandoffClient;
      try {
        plan = descriptor.plan(options);
        current = currentClient();
      } catch (error) {
        return fail(error);
      }
      const controller = new AbortController();
      const { signal } = controller;
      let pending: PendingWindow | undefined;
      // Once the click has opened a tab (or is to navigate this page), going away does not
      // cancel it: the customer asked for that page, and a button removed by its own click (a
      // menu item, a dialog that closes) must not close the tab it opened, least of all one
      // already at the one-time link. The tab is sent to the link (or closed if the request
      // fails), and onOpen or onError still report it. Anything else (an overlay or embedded
      // widget not yet shown) is aborted, and the button is idle again.
      stopClick = () => pending || (controller.abort(), setState('idle'));
      // Without a value in hand, ask before the tab opens: the request is on its way while the
      // browser creates the tab (tens of milliseconds, during which this page is blocked). With
      // getToken one client serves whoever is signed in: a value fetched ahead is used only for
      // the customer it was fetched for (the tab then opens blank until that is confirmed).
      const { ready, answer } = cache.claim(
        plan.key,
        (claimSignal) => plan.load(current, claimSignal),
        signal,
        current.isCurrent,
      );
      // The code that opens loads alongside the request, never after it.
      plan.warm?.();
      setState('loading');
      try {
        // A new click replaces a widget that is still open.
        closeWidget();
        pending = plan.prepare(ready);
      } catch (error) {
        fail(error);
        controller.abort();
      }
      answer
        .then(async (value) => {
          signal.throwIfAborted();
          let closedEarly = false;
          const opened = await plan.open(value, {
            pending,
            signal,
            options: () => options,
            closed: () => {
              closedEarly = true;
              closeOpened = undefined;
              setState('idle');
            },
          });
          if (signal.aborted) return opened.close?.();
          if (!closedEarly) {
            closeOpened = opened.close;
            setState(opened.state);
          }
          if (opened.result !== undefined) options.onOpen?.(opened.result);
        })
        .catch((error: unknown) => {
          pending?.close();
          if (!signal.aborted) fail(error);
        })
        .finally(() => {
          stopClick = undefined;
        });
    },

    dispose() {
      stopClick?.();
      cache.drop();
      closeWidget();
    },
  };
}
