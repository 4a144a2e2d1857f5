// Three small programs written from the README, docs/recipes.md and the JSDoc alone, as a first-time user would:
// an Angular-style service and component (without Angular), a marble-tested "epic", and a Node job runner. They are
// executable examples: each test states what the user expects to see, and asserts values, orders and counts.
import { deepStrictEqual } from 'node:assert';
import { getEventListeners } from 'node:events';
import { defer, merge, NEVER, Observable, of, Subject, throwError } from 'rxjs';
import {
  catchError,
  debounceTime,
  filter,
  ignoreElements,
  map,
  retry,
  switchMap,
  takeUntil,
  tap,
} from 'rxjs/operators';
import { TestScheduler } from 'rxjs/testing';
import {
  awaitTask,
  CancelledError,
  cancelWhen,
  ChildCancelled,
  detectCancel,
  linkSignals,
  startTask,
  task,
  type Task,
  whenAllCancellable,
} from '../src';

// ---------------------------------------------------------------------------------------------------------------
// 1. An Angular-style service and component, without Angular
// ---------------------------------------------------------------------------------------------------------------

interface User {
  id: string;
  name: string;
}
interface Settings {
  theme: string;
}

/** HttpClient-like: a cold Observable per call; unsubscribing before the response aborts the request. */
class FakeHttp {
  readonly log: string[] = [];
  constructor(private readonly latency = 100) {}

  get<T>(url: string, body: T, latency = this.latency): Observable<T> {
    return new Observable<T>((subscriber) => {
      this.log.push(`GET ${url}`);
      let answered = false;
      const timer = setTimeout(() => {
        answered = true;
        this.log.push(`200 ${url}`);
        subscriber.next(body);
        subscriber.complete();
      }, latency);
      return () => {
        clearTimeout(timer);
        if (!answered) this.log.push(`request aborted ${url}`);
      };
    });
  }
}

/** A root service: every request it makes is linked to the session, which a logout aborts. */
class UserService {
  private session = new AbortController();
  private readonly inflight = new Map<string, Task<User>>();
  constructor(private readonly http: FakeHttp) {}

  loadUser(id: string): Task<User> {
    const t = task(this.http.get<User>(`/api/users/${id}`, { id, name: `User ${id}` }), {
      name: `user ${id}`,
      signal: this.session.signal,
    });
    this.inflight.set(id, t);
    return t;
  }

  loadSettings(id: string): Task<Settings> {
    return task(this.http.get<Settings>(`/api/users/${id}/settings`, { theme: 'dark' }), {
      name: `settings ${id}`,
      signal: this.session.signal,
    });
  }

  search(query: string): Task<string[]> {
    return task(this.http.get(`/api/search?q=${query}`, [`${query}-1`, `${query}-2`]), {
      name: `search ${query}`,
      signal: this.session.signal,
    });
  }

  /** Someone else's cancellation: a cache invalidation cancels the request in flight for `id`. */
  invalidate(id: string, reason: string): boolean {
    return this.inflight.get(id)?.cancel(reason) ?? false;
  }

  logout(): void {
    // An aborted signal stays aborted: later requests need a fresh one. Renew it before aborting the old one: what
    // reacts to the abort at once (a retry, a new query) reads `this.session` inside abort().
    const ended = this.session;
    this.session = new AbortController();
    ended.abort('logged out');
  }

  /** The same, renewed after the abort: a mistake (see the test "renewed after the abort"). */
  logoutRenewingLate(): void {
    this.session.abort('logged out');
    this.session = new AbortController();
  }
}

/** What the template shows. */
interface View {
  user?: User;
  settings?: Settings;
  results?: string[];
  error?: string;
}

/** The component: subscribes through detectCancel(), leaves on destroy (takeUntil, as takeUntilDestroyed does). */
class UserPageComponent {
  readonly view: View = {};
  private readonly destroy$ = new Subject<void>();
  constructor(private readonly users: UserService) {}

  ngOnInit(id: string): void {
    this.users
      .loadUser(id)
      .pipe(detectCancel(), takeUntil(this.destroy$))
      .subscribe({
        next: (user) => (this.view.user = user),
        error: (e: unknown) => {
          this.view.error =
            e instanceof ChildCancelled ? `${e.child?.name} was cancelled: ${String(e.reason)}` : 'failed';
        },
      });
  }

  ngOnDestroy(): void {
    this.destroy$.next();
    this.destroy$.complete();
  }
}

describe('usability 1: an Angular-style service and component', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('the response reaches the template; nothing is aborted', () => {
    const http = new FakeHttp();
    const page = new UserPageComponent(new UserService(http));
    page.ngOnInit('1');
    jest.advanceTimersByTime(100);
    expect(page.view).toEqual({ user: { id: '1', name: 'User 1' } });
    expect(http.log).toEqual(['GET /api/users/1', '200 /api/users/1']);
  });

  it('destroying the component aborts the request and shows no error (its own leaving is silent)', () => {
    const http = new FakeHttp();
    const page = new UserPageComponent(new UserService(http));
    page.ngOnInit('1');
    jest.advanceTimersByTime(50);
    page.ngOnDestroy();
    jest.advanceTimersByTime(100);
    expect(page.view).toEqual({});
    expect(http.log).toEqual(['GET /api/users/1', 'request aborted /api/users/1']);
  });

  it('a logout (someone else) aborts the request and the template shows ChildCancelled naming the request', () => {
    const http = new FakeHttp();
    const users = new UserService(http);
    const page = new UserPageComponent(users);
    page.ngOnInit('1');
    jest.advanceTimersByTime(50);
    users.logout();
    expect(page.view).toEqual({ error: 'user 1 was cancelled: logged out' });
    expect(http.log).toEqual(['GET /api/users/1', 'request aborted /api/users/1']);
  });

  it("with cancelWhen on the component's AbortController, destroy reaches the error callback as its own CancelledError", () => {
    const http = new FakeHttp();
    const users = new UserService(http);
    const lifetime = new AbortController(); // aborted by DestroyRef.onDestroy in Angular
    const seen: string[] = [];
    users
      .loadUser('1')
      .pipe(detectCancel(), cancelWhen(lifetime.signal)) // detectCancel() first: README, cancelWhen
      .subscribe({
        next: () => seen.push('user'),
        error: (e: unknown) => {
          if (e instanceof ChildCancelled) seen.push(`someone else cancelled ${e.child?.name}`);
          else if (e instanceof CancelledError) seen.push(`destroyed: ${String(e.reason)}, task ${String(e.task)}`);
        },
      });
    jest.advanceTimersByTime(50);
    lifetime.abort('component destroyed');
    expect(seen).toEqual(['destroyed: component destroyed, task undefined']);
    expect(http.log).toEqual(['GET /api/users/1', 'request aborted /api/users/1']);
  });

  it("the other order, cancelWhen before detectCancel, reports the component's own destroy as a ChildCancelled", () => {
    const http = new FakeHttp();
    const lifetime = new AbortController();
    const errors: unknown[] = [];
    new UserService(http)
      .loadUser('1')
      .pipe(cancelWhen(lifetime.signal), detectCancel())
      .subscribe({ error: (e: unknown) => errors.push(e) });
    lifetime.abort('component destroyed');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ChildCancelled);
    expect((errors[0] as ChildCancelled).child).toBeUndefined();
  });

  it("recipe's pattern, a task linked to the component's lifetime: through detectCancel() alone, destroy is a ChildCancelled", () => {
    const http = new FakeHttp();
    const lifetime = new AbortController();
    const load = (id: string) =>
      startTask(http.get<User>(`/api/users/${id}`, { id, name: `User ${id}` }), {
        signal: lifetime.signal,
        name: `user ${id}`,
      });
    const seen: string[] = [];
    const record = (who: string) => (e: unknown) =>
      seen.push(
        `${who}: ${e instanceof ChildCancelled ? 'ChildCancelled' : e instanceof CancelledError ? 'CancelledError' : 'other'}`,
      );
    const user = load('1');
    // the task's own signal is the lifetime: for this subscriber, the lifetime is someone else
    user.pipe(detectCancel()).subscribe({ error: record('detectCancel()') });
    // cancelWhen(lifetime) after detectCancel(): the same cancellation is this subscriber's own
    user.pipe(detectCancel(), cancelWhen(lifetime.signal)).subscribe({ error: record('+ cancelWhen(lifetime)') });
    lifetime.abort('component destroyed');
    // cancelWhen reacts in its turn among the lifetime's dependants; a task observed through detectCancel() is
    // heard of at the end of the cancellation's wave (docs/semantics.md, "one cancellation is one wave")
    expect(seen).toEqual(['+ cancelWhen(lifetime): CancelledError', 'detectCancel(): ChildCancelled']);
    expect(user.state).toBe('cancelled');
    expect(http.log).toEqual(['GET /api/users/1', 'request aborted /api/users/1']);
  });

  it('typeahead: switchMap to tasks aborts each superseded request silently; only the last query renders', () => {
    const http = new FakeHttp();
    const users = new UserService(http);
    const query$ = new Subject<string>();
    const rendered: string[][] = [];
    const errors: unknown[] = [];
    query$
      .pipe(
        debounceTime(10),
        switchMap((q) => users.search(q).pipe(detectCancel())),
      )
      .subscribe({ next: (r) => rendered.push(r), error: (e: unknown) => errors.push(e) });

    query$.next('a');
    jest.advanceTimersByTime(10 + 50); // 'a' is in flight
    query$.next('ab');
    jest.advanceTimersByTime(5);
    query$.next('abc'); // debounced: 'ab' never makes a request
    jest.advanceTimersByTime(10); // 'abc' supersedes 'a'
    jest.advanceTimersByTime(100);

    expect(rendered).toEqual([['abc-1', 'abc-2']]);
    expect(errors).toEqual([]);
    expect(http.log).toEqual([
      'GET /api/search?q=a',
      'request aborted /api/search?q=a',
      'GET /api/search?q=abc',
      '200 /api/search?q=abc',
    ]);
  });

  it('typeahead: a logout during a search ends the stream with ChildCancelled unless caught per query', () => {
    const http = new FakeHttp();
    const users = new UserService(http);
    const query$ = new Subject<string>();
    const rendered: string[][] = [];
    let completed = false;
    query$
      .pipe(
        switchMap((q) =>
          users.search(q).pipe(
            detectCancel(),
            // per query: someone else's cancellation shows as "no results", the typeahead stays alive
            catchError((e: unknown) => (e instanceof ChildCancelled ? of([]) : throwError(() => e))),
          ),
        ),
      )
      .subscribe({ next: (r) => rendered.push(r), complete: () => (completed = true) });

    query$.next('x');
    jest.advanceTimersByTime(50);
    users.logout();
    query$.next('y');
    jest.advanceTimersByTime(100);
    expect(rendered).toEqual([[], ['y-1', 'y-2']]);
    expect(completed).toBe(false);
    expect(http.log).toEqual([
      'GET /api/search?q=x',
      'request aborted /api/search?q=x',
      'GET /api/search?q=y',
      '200 /api/search?q=y',
    ]);
  });

  describe('a page that loads user and settings in parallel with whenAllCancellable', () => {
    /** The page's lifetime is an AbortController, aborted on destroy (the recipe's DestroyRef pattern). */
    function loadPage(users: UserService, lifetime: AbortSignal, view: View): void {
      whenAllCancellable([users.loadUser('1'), users.loadSettings('1')], { signal: lifetime }).subscribe({
        next: ([user, settings]) => {
          // typed User | undefined: an Observable participant may complete empty
          if (user) view.user = user;
          if (settings) view.settings = settings;
        },
        error: (e: unknown) => {
          if (e instanceof ChildCancelled) view.error = `${e.child?.name} was cancelled: ${String(e.reason)}`;
          else if (e instanceof CancelledError)
            view.error = `page cancelled: ${String(e.reason)} (task: ${e.task?.name})`;
          else view.error = 'failed';
        },
      });
    }

    it('both answer: the template gets both results at once', () => {
      const http = new FakeHttp();
      const view: View = {};
      loadPage(new UserService(http), new AbortController().signal, view);
      jest.advanceTimersByTime(100);
      expect(view).toEqual({ user: { id: '1', name: 'User 1' }, settings: { theme: 'dark' } });
      expect(http.log.filter((l) => l.startsWith('request aborted'))).toEqual([]);
    });

    it('one request cancelled by someone else: the other is aborted first, then ChildCancelled names the first', () => {
      const http = new FakeHttp();
      const users = new UserService(http);
      const view: View = {};
      loadPage(users, new AbortController().signal, view);
      jest.advanceTimersByTime(50);
      const seen: string[] = [];
      http.log.push = (...lines: string[]) => (seen.push(...lines, `view.error=${String(view.error)}`), lines.length);
      expect(users.invalidate('1', 'cache invalidated')).toBe(true);
      expect(view).toEqual({ error: 'user 1 was cancelled: cache invalidated' });
      // the settings request was aborted before the page heard of the cancellation
      expect(seen).toEqual([
        'request aborted /api/users/1',
        'view.error=undefined',
        'request aborted /api/users/1/settings',
        'view.error=undefined',
      ]);
    });

    it('destroying the page aborts both requests, then the page hears its own CancelledError (no task)', () => {
      const http = new FakeHttp();
      const lifetime = new AbortController();
      const view: View = {};
      loadPage(new UserService(http), lifetime.signal, view);
      jest.advanceTimersByTime(50);
      lifetime.abort('component destroyed');
      expect(view).toEqual({ error: 'page cancelled: component destroyed (task: undefined)' });
      expect(http.log).toEqual([
        'GET /api/users/1',
        'GET /api/users/1/settings',
        'request aborted /api/users/1',
        'request aborted /api/users/1/settings',
      ]);
    });
  });

  describe('retry once if the request was cancelled by someone else', () => {
    /** A fresh task per attempt (defer): retry() on a task itself would replay its end. */
    const userWithRetry = (users: UserService, id: string): Observable<User> =>
      defer(() => users.loadUser(id)).pipe(
        detectCancel(),
        retry({ count: 1, delay: (e: unknown) => (e instanceof ChildCancelled ? of(0) : throwError(() => e)) }),
      );

    it('cancelled once: the second request answers, the template gets the user', () => {
      const http = new FakeHttp();
      const users = new UserService(http);
      const got: User[] = [];
      const errors: unknown[] = [];
      userWithRetry(users, '1').subscribe({ next: (u) => got.push(u), error: (e: unknown) => errors.push(e) });
      jest.advanceTimersByTime(50);
      users.invalidate('1', 'stale');
      jest.advanceTimersByTime(100);
      expect(got).toEqual([{ id: '1', name: 'User 1' }]);
      expect(errors).toEqual([]);
      expect(http.log).toEqual([
        'GET /api/users/1',
        'request aborted /api/users/1',
        'GET /api/users/1',
        '200 /api/users/1',
      ]);
    });

    it('cancelled twice: the second ChildCancelled reaches the subscriber', () => {
      const http = new FakeHttp();
      const users = new UserService(http);
      const errors: unknown[] = [];
      userWithRetry(users, '1').subscribe({ error: (e: unknown) => errors.push(e) });
      jest.advanceTimersByTime(50);
      users.invalidate('1', 'stale');
      jest.advanceTimersByTime(50);
      users.invalidate('1', 'stale again');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(ChildCancelled);
      expect((errors[0] as ChildCancelled).reason).toBe('stale again');
      expect(http.log.filter((l) => l.startsWith('GET'))).toHaveLength(2);
    });

    it('a logout is someone else too: with the session renewed, the policy sends the request again', () => {
      const http = new FakeHttp();
      const users = new UserService(http);
      const got: User[] = [];
      userWithRetry(users, '1').subscribe({ next: (u) => got.push(u) });
      jest.advanceTimersByTime(50);
      users.logout(); // renews the session's AbortController
      jest.advanceTimersByTime(100);
      expect(got).toEqual([{ id: '1', name: 'User 1' }]);
      expect(http.log).toEqual([
        'GET /api/users/1',
        'request aborted /api/users/1',
        'GET /api/users/1',
        '200 /api/users/1',
      ]);
    });

    it('a session renewed after the abort, not before: the retry reads the aborted signal inside abort()', () => {
      const http = new FakeHttp();
      const users = new UserService(http);
      const errors: unknown[] = [];
      userWithRetry(users, '1').subscribe({ error: (e: unknown) => errors.push(e) });
      jest.advanceTimersByTime(50);
      users.logoutRenewingLate(); // retry() resubscribes synchronously, while the old session is still current
      jest.advanceTimersByTime(100);
      expect(errors).toHaveLength(1);
      expect((errors[0] as ChildCancelled).reason).toBe('logged out');
      expect(http.log).toEqual(['GET /api/users/1', 'request aborted /api/users/1']); // the retry's task never ran
    });

    it('retrying only on the reasons meant: a logout reaches the subscriber, with one request', () => {
      const http = new FakeHttp();
      const users = new UserService(http);
      const errors: unknown[] = [];
      defer(() => users.loadUser('1'))
        .pipe(
          detectCancel(),
          retry({
            count: 1,
            delay: (e: unknown) =>
              e instanceof ChildCancelled && e.reason !== 'logged out' ? of(0) : throwError(() => e),
          }),
        )
        .subscribe({ error: (e: unknown) => errors.push(e) });
      jest.advanceTimersByTime(50);
      users.logout();
      expect(errors).toHaveLength(1);
      expect((errors[0] as ChildCancelled).reason).toBe('logged out');
      expect(http.log).toEqual(['GET /api/users/1', 'request aborted /api/users/1']);
    });

    it('a session that is not renewed cancels the retry before its factory runs: a second ChildCancelled', () => {
      const session = new AbortController();
      let requests = 0;
      const errors: unknown[] = [];
      defer(() => task(() => (requests++, NEVER), { name: 'user 1', signal: session.signal }))
        .pipe(
          detectCancel(),
          retry({ count: 1, delay: (e: unknown) => (e instanceof ChildCancelled ? of(0) : throwError(() => e)) }),
        )
        .subscribe({ error: (e: unknown) => errors.push(e) });
      session.abort('logged out');
      expect(requests).toBe(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(ChildCancelled);
      expect((errors[0] as ChildCancelled).child?.state).toBe('cancelled');
    });

    it('retry() on the task itself, without defer(), replays its cancellation: no second request', () => {
      const http = new FakeHttp();
      const users = new UserService(http);
      const errors: unknown[] = [];
      users
        .loadUser('1')
        .pipe(detectCancel(), retry({ count: 1, delay: () => of(0) }))
        .subscribe({ error: (e: unknown) => errors.push(e) });
      jest.advanceTimersByTime(50);
      users.invalidate('1', 'stale');
      jest.advanceTimersByTime(100);
      expect(errors).toHaveLength(1);
      expect((errors[0] as ChildCancelled).reason).toBe('stale');
      expect(http.log).toEqual(['GET /api/users/1', 'request aborted /api/users/1']);
    });

    it("a plain error is not retried; the component's own leaving is not an error and is not retried", () => {
      const http = new FakeHttp();
      const users = new UserService(http);
      const failing = defer(() =>
        task(
          throwError(() => new Error('500')),
          { name: 'user 1' },
        ),
      ).pipe(
        detectCancel(),
        retry({ count: 1, delay: (e: unknown) => (e instanceof ChildCancelled ? of(0) : throwError(() => e)) }),
      );
      const errors: unknown[] = [];
      failing.subscribe({ error: (e: unknown) => errors.push(e) });
      expect(errors).toEqual([new Error('500')]);

      const destroy$ = new Subject<void>();
      const events: string[] = [];
      userWithRetry(users, '1')
        .pipe(takeUntil(destroy$))
        .subscribe({ error: () => events.push('error'), complete: () => events.push('complete') });
      jest.advanceTimersByTime(50);
      destroy$.next();
      jest.advanceTimersByTime(100);
      expect(events).toEqual(['complete']);
      expect(http.log).toEqual(['GET /api/users/1', 'request aborted /api/users/1']);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2. A marble test of an "epic" (actions in, actions out) that uses tasks and detectCancel
// ---------------------------------------------------------------------------------------------------------------

type Action =
  | { type: 'user/fetch'; id: string }
  | { type: 'user/loaded'; user: User }
  | { type: 'user/cancelled'; id: string; reason: string }
  | { type: 'user/failed'; id: string; message: string }
  | { type: 'session/logout' };

/** The session every request is linked to; a logout aborts it and opens a new one. */
class Session {
  private controller = new AbortController();
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  end(reason: string): void {
    const ended = this.controller;
    this.controller = new AbortController(); // first: what reacts to the abort may start a request at once
    ended.abort(reason);
  }
}

interface EpicDeps {
  getUser: (id: string) => Observable<User>;
  session: Session;
}

/** Fetches a user per `user/fetch` (a newer fetch supersedes an older one); tells a cancellation from a failure. */
const fetchUserEpic = (action$: Observable<Action>, { getUser, session }: EpicDeps): Observable<Action> =>
  action$.pipe(
    filter((a): a is Extract<Action, { type: 'user/fetch' }> => a.type === 'user/fetch'),
    switchMap(({ id }) =>
      task(getUser(id), { name: `user ${id}`, signal: session.signal }).pipe(
        detectCancel(),
        map((user): Action => ({ type: 'user/loaded', user })),
        catchError((e: unknown) =>
          of<Action>(
            e instanceof ChildCancelled
              ? { type: 'user/cancelled', id, reason: String(e.reason) }
              : { type: 'user/failed', id, message: e instanceof Error ? e.message : String(e) },
          ),
        ),
      ),
    ),
  );

/** Ends the session on `session/logout`; emits nothing. */
const logoutEpic = (action$: Observable<Action>, { session }: EpicDeps): Observable<Action> =>
  action$.pipe(
    filter((a) => a.type === 'session/logout'),
    tap(() => session.end('logout')),
    ignoreElements(),
  );

const rootEpic = (action$: Observable<Action>, deps: EpicDeps): Observable<Action> =>
  merge(fetchUserEpic(action$, deps), logoutEpic(action$, deps));

// docs/recipes.md, "Marble tests of code that uses tasks": a TestScheduler that compares errors by class, reason
// and task name (jest's toEqual would compare them by message only).
function errorShape(error: unknown): unknown {
  if (error instanceof CancelledError) {
    const kind = error instanceof ChildCancelled ? 'ChildCancelled' : 'CancelledError';
    return { class: kind, reason: errorShape(error.reason), task: error.task?.name };
  }
  return error instanceof Error ? { class: error.name, message: error.message } : error;
}
type Frame = { notification?: { kind: string; error?: unknown } };
const comparable = (frames: unknown): unknown =>
  Array.isArray(frames)
    ? frames.map((frame: Frame) =>
        frame.notification?.kind === 'E'
          ? { ...frame, notification: { ...frame.notification, error: errorShape(frame.notification.error) } }
          : frame,
      )
    : frames;
const cancellationScheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => deepStrictEqual(comparable(actual), comparable(expected)));

describe('usability 2: a marble test of an epic that uses tasks', () => {
  const ann: User = { id: 'a', name: 'Ann' };
  const bob: User = { id: 'b', name: 'Bob' };
  const loaded = (user: User): Action => ({ type: 'user/loaded', user });

  it('a fetch answers with user/loaded when the request completes', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const requests = { a: cold('---(u|)', { u: ann }) };
      const action$ = hot<Action>('-f------', { f: { type: 'user/fetch', id: 'a' } });
      expectObservable(rootEpic(action$, { getUser: (id) => requests[id as 'a'], session: new Session() })).toBe(
        '----L---',
        { L: loaded(ann) },
      );
      expectSubscriptions(requests.a.subscriptions).toBe('-^--!');
    });
  });

  it('a newer fetch supersedes the older one: its request is unsubscribed, and no action reports it', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const requests = { a: cold('---(u|)', { u: ann }), b: cold('---(u|)', { u: bob }) };
      const action$ = hot<Action>('-a-b------', {
        a: { type: 'user/fetch', id: 'a' },
        b: { type: 'user/fetch', id: 'b' },
      });
      const deps = { getUser: (id: string) => requests[id as 'a' | 'b'], session: new Session() };
      expectObservable(rootEpic(action$, deps)).toBe('------L---', { L: loaded(bob) });
      expectSubscriptions(requests.a.subscriptions).toBe('-^-!');
      expectSubscriptions(requests.b.subscriptions).toBe('---^--!');
    });
  });

  it('a logout cancels the request in flight: user/cancelled with the logout reason; a later fetch works', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const requests = { a: cold('---(u|)', { u: ann }) };
      const action$ = hot<Action>('-f-l-f-------', {
        f: { type: 'user/fetch', id: 'a' },
        l: { type: 'session/logout' },
      });
      expectObservable(rootEpic(action$, { getUser: () => requests.a, session: new Session() })).toBe('---C----L----', {
        C: { type: 'user/cancelled', id: 'a', reason: 'logout' },
        L: loaded(ann),
      });
      expectSubscriptions(requests.a.subscriptions).toBe(['-^-!', '-----^--!']);
    });
  });

  it('a failed request is user/failed, not user/cancelled', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, hot, expectObservable }) => {
      const action$ = hot<Action>('-f----', { f: { type: 'user/fetch', id: 'a' } });
      const deps = { getUser: () => cold<User>('--#', undefined, new Error('404')), session: new Session() };
      expectObservable(rootEpic(action$, deps)).toBe('---F--', {
        F: { type: 'user/failed', id: 'a', message: '404' },
      });
    });
  });

  it("the recipe's scheduler fails a test that expects CancelledError where ChildCancelled arrives", () => {
    const scheduler = cancellationScheduler();
    expect(() =>
      scheduler.run(({ cold, expectObservable }) => {
        const child = task(cold('-a-----'), { name: 'child' });
        scheduler.schedule(() => child.cancel('r'), 3);
        expectObservable(child.pipe(detectCancel())).toBe('-a-#', undefined, new CancelledError('r', child));
      }),
    ).toThrow(/ChildCancelled/);
  });

  it('without the catchError, the epic errors with ChildCancelled naming the request (compared by class)', () => {
    const scheduler = cancellationScheduler();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const session = new Session();
      const bare = (action$: Observable<Action>) =>
        action$.pipe(
          filter((a): a is Extract<Action, { type: 'user/fetch' }> => a.type === 'user/fetch'),
          switchMap(({ id }) =>
            task(cold<User>('-----(u|)', { u: ann }), { name: `user ${id}`, signal: session.signal }).pipe(
              detectCancel(),
            ),
          ),
        );
      const action$ = hot<Action>('-f------', { f: { type: 'user/fetch', id: 'a' } });
      scheduler.schedule(() => session.end('logout'), 3);
      const sameName = task(NEVER, { name: 'user a' }); // an expected error needs a task of that name
      expectObservable(bare(action$)).toBe(
        '---#',
        undefined,
        new ChildCancelled(new CancelledError('logout', sameName)),
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 3. A Node-style job runner: a queue, a shared shutdown, a timeout per job
// ---------------------------------------------------------------------------------------------------------------

interface Job {
  name: string;
  timeoutMs: number;
  run: (signal: AbortSignal) => Promise<string>;
}

type Outcome =
  | { job: string; outcome: 'done'; value: string | undefined }
  | { job: string; outcome: 'shutdown'; reason: unknown }
  | { job: string; outcome: 'timeout'; reason: unknown }
  | { job: string; outcome: 'failed'; message: string };

/** A timer that gives up when `signal` aborts (timers/promises would too, with an AbortError). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * Runs one job as a task linked to the shutdown and to its own deadline, and awaits it with the shutdown as the
 * runner's own signal: the shutdown is then the runner's own cancellation (CancelledError), the deadline someone
 * else's (ChildCancelled: the job was cancelled by its timeout).
 */
async function runJob(job: Job, shutdown: AbortSignal): Promise<Outcome> {
  // A timer rather than AbortSignal.timeout(): jest's fake timers do not drive AbortSignal.timeout.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(`timed out after ${job.timeoutMs} ms`), job.timeoutMs);
  const lifetime = linkSignals(shutdown, deadline.signal);
  try {
    const value = await awaitTask(startTask(job.run, { name: job.name, signal: lifetime.signal }), {
      signal: shutdown,
    });
    return { job: job.name, outcome: 'done', value };
  } catch (e) {
    if (e instanceof ChildCancelled) return { job: job.name, outcome: 'timeout', reason: e.reason };
    if (e instanceof CancelledError) return { job: job.name, outcome: 'shutdown', reason: e.reason };
    return { job: job.name, outcome: 'failed', message: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
    lifetime.unlink(); // nothing stays attached to the long-lived shutdown signal
  }
}

/** Runs the queue with `concurrency` workers; resolves with every job's outcome, in the order they ended. */
async function runQueue(jobs: Job[], shutdown: AbortSignal, concurrency: number): Promise<Outcome[]> {
  const queue = [...jobs];
  const outcomes: Outcome[] = [];
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) outcomes.push(await runJob(job, shutdown));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

describe('usability 3: a job runner with a shared shutdown and a timeout per job', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A job that works for `ms`, logging its start and how it ended as its body saw it. */
  const work =
    (log: string[], name: string, ms: number, fail?: string) =>
    async (signal: AbortSignal): Promise<string> => {
      log.push(`${name}: start`);
      try {
        await sleep(ms, signal);
      } catch (e) {
        // its own cancellation: the task's CancelledError, whose reason is the linked signal's
        log.push(
          `${name}: stopped (${e instanceof CancelledError ? String(e.reason) : 'other'}), aborted=${signal.aborted}`,
        );
        throw e;
      }
      if (fail !== undefined) throw new Error(fail);
      log.push(`${name}: done`);
      return `${name} result`;
    };

  it('reports done, timeout, failed and shutdown apart; queued jobs never start after the shutdown', async () => {
    const log: string[] = [];
    const jobs: Job[] = [
      { name: 'fast', timeoutMs: 1000, run: work(log, 'fast', 50) },
      { name: 'slow', timeoutMs: 200, run: work(log, 'slow', 5000) },
      { name: 'broken', timeoutMs: 1000, run: work(log, 'broken', 30, 'disk full') },
      { name: 'long', timeoutMs: 20_000, run: work(log, 'long', 10_000) },
      { name: 'report', timeoutMs: 20_000, run: work(log, 'report', 10_000) },
      { name: 'never', timeoutMs: 20_000, run: work(log, 'never', 10) },
    ];
    const shutdown = new AbortController();
    const outcomes = runQueue(jobs, shutdown.signal, 2);

    await jest.advanceTimersByTimeAsync(1000);
    shutdown.abort('SIGTERM');
    await expect(outcomes).resolves.toEqual([
      { job: 'fast', outcome: 'done', value: 'fast result' },
      { job: 'broken', outcome: 'failed', message: 'disk full' },
      { job: 'slow', outcome: 'timeout', reason: 'timed out after 200 ms' },
      { job: 'long', outcome: 'shutdown', reason: 'SIGTERM' },
      { job: 'report', outcome: 'shutdown', reason: 'SIGTERM' },
      { job: 'never', outcome: 'shutdown', reason: 'SIGTERM' },
    ]);
    expect(log).toEqual([
      'fast: start',
      'slow: start',
      'fast: done',
      'broken: start',
      'long: start', // at 80 ms, after 'broken' failed
      'slow: stopped (timed out after 200 ms), aborted=true',
      'report: start',
      'long: stopped (SIGTERM), aborted=true',
      'report: stopped (SIGTERM), aborted=true',
    ]); // 'never' never started
    expect(jest.getTimerCount()).toBe(0); // every deadline timer and every sleep cleared
  });

  it('a queue that ends without a shutdown leaves no listener on the long-lived shutdown signal', async () => {
    const log: string[] = [];
    const shutdown = new AbortController();
    const jobs: Job[] = ['a', 'b', 'c'].map((name) => ({ name, timeoutMs: 100, run: work(log, name, 10) }));
    const outcomes = runQueue(jobs, shutdown.signal, 2);
    expect(getEventListeners(shutdown.signal, 'abort').length).toBeGreaterThan(0); // while jobs run
    await jest.advanceTimersByTimeAsync(30);
    await expect(outcomes).resolves.toEqual(
      ['a', 'b', 'c'].map((job) => ({ job, outcome: 'done', value: `${job} result` })),
    );
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a job that ignores its signal still reports the timeout at once; its promise settles later, unheard', async () => {
    const log: string[] = [];
    const stubborn: Job = {
      name: 'stubborn',
      timeoutMs: 100,
      run: async () => {
        await new Promise((resolve) => setTimeout(resolve, 500)); // does not listen to the signal
        log.push('stubborn: finished anyway');
        return 'late';
      },
    };
    const outcome = runJob(stubborn, new AbortController().signal);
    await jest.advanceTimersByTimeAsync(100);
    await expect(outcome).resolves.toEqual({ job: 'stubborn', outcome: 'timeout', reason: 'timed out after 100 ms' });
    await jest.advanceTimersByTimeAsync(400);
    expect(log).toEqual(['stubborn: finished anyway']); // a promise cannot be unsubscribed
  });
});
