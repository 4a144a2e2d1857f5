/**
 * Real I/O cancellation (issue 6, part 2): a real `node:http` server on
 * 127.0.0.1 (ephemeral port) streams slow responses and logs, on its own side,
 * every request, chunk, finished response, response closed before it finished,
 * and socket open/close. Tasks call Node's global `fetch(url, { signal })`.
 * Every assertion about the network is made on the server's log.
 *
 * Bounded: every response has at most 50 chunks 40 ms apart (2 s), every wait
 * has a deadline, and every test ends with zero open sockets on the server.
 * Responses carry `Connection: close`, so fetch (undici) keeps no keep-alive
 * socket: every socket that carried a request must have been closed by the
 * end of the test, by the response's end or by the client's abort.
 *
 * One thing is undici's, not ours: after a streaming fetch is aborted, undici
 * re-queues the aborted request, opens a fresh connection for it and then
 * drops the request, leaving a connection that never carries a request
 * (nodejs/undici#5845; Node 20's bundled undici reaps it after its 4 s
 * keep-alive timeout). At the end of each test, only after every socket that
 * carried a request is closed, the server destroys the connections on which
 * no request ever arrived and logs each as "never used" (Node's
 * `closeIdleConnections()` does not count a connection still waiting for its
 * first request as idle). Each test has its own server, so its own port and
 * a fresh undici pool: no test can reuse a connection another one swept.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { firstValueFrom, NEVER } from 'rxjs';
import {
  awaitTask,
  CancelledError,
  ChildCancelled,
  shield,
  startTask,
  task,
  whenAllCancellable,
  whenAnyCancellable,
} from '../src';

interface TestServer {
  log: string[];
  /** Open sockets, with whether a request arrived on each. */
  sockets: Map<Socket, { id: number; used: boolean }>;
  /** Destroys the connections on which no request arrived (undici's spare one after an abort); returns how many. */
  sweepNeverUsed(): number;
  url(name: string, options?: { chunks?: number; every?: number; after?: string }): string;
  waitFor(what: string, predicate: () => boolean, ms?: number): Promise<void>;
  waitForLine(line: string, ms?: number): Promise<void>;
  linesOf(name: string): string[];
  close(): Promise<void>;
}

/**
 * `GET /<name>?chunks=N&every=MS&after=OTHER` streams `name-0\n` … `name-(N-1)\n`,
 * one chunk every MS ms; with `after`, it starts only once a request named
 * OTHER has reached the server (to order a race without relying on timing).
 */
async function startServer(): Promise<TestServer> {
  const log: string[] = [];
  const sockets = new Map<Socket, { id: number; used: boolean }>();
  const arrived = new Set<string>();
  const waiting: { name: string; go: () => void }[] = [];
  let nextSocket = 0;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const name = url.pathname.slice(1);
    const chunks = Math.min(Number(url.searchParams.get('chunks') ?? 5), 50);
    const every = Math.min(Number(url.searchParams.get('every') ?? 20), 40);
    const after = url.searchParams.get('after');
    log.push(`${name}: request`);
    const info = sockets.get(req.socket);
    if (info !== undefined) info.used = true;
    arrived.add(name);
    for (const w of waiting.filter((w) => w.name === name)) w.go();
    let timer: NodeJS.Timeout | undefined;
    res.on('finish', () => log.push(`${name}: finished`));
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) log.push(`${name}: closed before finish`);
    });
    const stream = () => {
      res.writeHead(200, { 'Content-Type': 'text/plain', Connection: 'close' });
      let i = 0;
      const send = () => {
        if (res.destroyed) return;
        res.write(`${name}-${i}\n`);
        log.push(`${name}: chunk ${i}`);
        if (++i === chunks) res.end();
        else timer = setTimeout(send, every);
      };
      send();
    };
    if (after === null || arrived.has(after)) stream();
    else waiting.push({ name: after, go: stream });
  };

  const server: Server = createServer(handle);
  server.on('connection', (socket) => {
    const info = { id: ++nextSocket, used: false };
    sockets.set(socket, info);
    log.push(`socket ${info.id}: open`);
    socket.on('close', () => {
      sockets.delete(socket);
      log.push(`socket ${info.id}: closed${info.used ? '' : ' (never used)'}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const waitFor = async (what: string, predicate: () => boolean, ms = 3000) => {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > deadline)
        throw new Error(`timed out after ${ms} ms waiting for ${what}; server log:\n${log.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  return {
    log,
    sockets,
    sweepNeverUsed: () => {
      let swept = 0;
      for (const [socket, info] of sockets) {
        if (info.used) continue;
        socket.destroy();
        swept++;
      }
      return swept;
    },
    url: (name, { chunks = 5, every = 20, after } = {}) =>
      `http://127.0.0.1:${port}/${name}?chunks=${chunks}&every=${every}${after ? `&after=${after}` : ''}`,
    waitFor,
    waitForLine: (line, ms) => waitFor(`"${line}"`, () => log.includes(line), ms),
    linesOf: (name) => log.filter((l) => l.startsWith(`${name}: `)),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections(); // a no-op after the checks above; a safety net when a test failed
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A task reading the whole body as text: the contract's Promise-returning factory. */
const download = (url: string, options?: { signal?: AbortSignal; name?: string }) =>
  task(async (signal) => (await fetch(url, { signal })).text(), options);

/** A task streaming the body chunk by chunk: an async iterable from the factory. */
const streamed = (url: string) =>
  task<string>(async function* (signal) {
    const response = await fetch(url, { signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield decoder.decode(value);
    }
  });

let server: TestServer;

beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  // the server's own count: every socket that carried a request is closed (by the response end or the abort) ...
  const usedOpen = () => [...server.sockets.values()].filter((info) => info.used).length;
  await server.waitFor('every socket that carried a request to close', () => usedOpen() === 0);
  expect(usedOpen()).toBe(0);
  // ... then undici's never-used spare connection, if any, is swept (see the header), and nothing is left open
  // (swept again while waiting: undici opens one such connection per aborted request, possibly after a sweep)
  await server.waitFor('zero open sockets on the server', () => {
    server.sweepNeverUsed();
    return server.sockets.size === 0;
  });
  expect(server.sockets.size).toBe(0);
  const opened = server.log.filter((l) => /: open$/.test(l)).length;
  const closed = server.log.filter((l) => /: closed( \(never used\))?$/.test(l)).length;
  expect(closed).toBe(opened);
  await server.close();
});

describe('real I/O: cancelling a task aborts its fetch on the server side', () => {
  it('task.cancel() aborts the streaming request: the server sees the response closed before it finished', async () => {
    const t = streamed(server.url('a', { chunks: 50, every: 40 }));
    const seen: string[] = [];
    let error: unknown;
    t.subscribe({ next: (chunk) => seen.push(chunk), error: (e) => (error = e) });
    await server.waitFor('the client to receive the first chunk', () => seen.length > 0);
    expect(t.cancel('user left')).toBe(true);

    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).reason).toBe('user left');
    expect((error as CancelledError).task).toBe(t);
    await server.waitForLine('a: closed before finish');
    const lines = server.linesOf('a');
    expect(lines).not.toContain('a: finished');
    expect(lines.filter((l) => l.startsWith('a: chunk')).length).toBeLessThan(50);
    expect(seen[0]).toBe('a-0\n');
  }, 10_000);

  it('cancelling the parent task aborts the request of a child linked through options.signal', async () => {
    const parent = startTask(NEVER, { name: 'parent' });
    const child = download(server.url('child', { chunks: 50, every: 40 }), { signal: parent.signal, name: 'child' });
    let error: unknown;
    child.subscribe({ error: (e) => (error = e) });
    await server.waitForLine('child: chunk 0');
    parent.cancel('shutdown');

    expect(child.state).toBe('cancelled');
    expect((error as CancelledError).reason).toBe(parent.signal.reason);
    await server.waitForLine('child: closed before finish');
    expect(server.linesOf('child')).not.toContain('child: finished');
  }, 10_000);

  it('awaitTask with an aborted signal releases the task it awaits and its request is aborted', async () => {
    const controller = new AbortController();
    const t = download(server.url('awaited', { chunks: 50, every: 40 }));
    const result = awaitTask(t, { signal: controller.signal });
    await server.waitForLine('awaited: chunk 0');
    controller.abort('caller gave up');

    const error = await result.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CancelledError);
    expect(error).not.toBeInstanceOf(ChildCancelled);
    expect((error as CancelledError).reason).toBe('caller gave up');
    expect((error as CancelledError).task).toBeUndefined();
    expect(t.state).toBe('cancelled');
    await server.waitForLine('awaited: closed before finish');
    expect(server.linesOf('awaited')).not.toContain('awaited: finished');
  }, 10_000);
});

describe('real I/O: what must not abort', () => {
  it('a shielded consumer that unsubscribes does not abort the request; a later subscriber gets the full body', async () => {
    const t = download(server.url('b', { chunks: 5, every: 30 }), { name: 'save' });
    const sub = t.pipe(shield()).subscribe();
    await server.waitForLine('b: chunk 1');
    sub.unsubscribe();
    expect(t.state).toBe('running');
    expect(t.signal.aborted).toBe(false);

    const body = await firstValueFrom(t);
    expect(body).toBe('b-0\nb-1\nb-2\nb-3\nb-4\n');
    expect(t.state).toBe('completed');
    expect(server.linesOf('b')).toEqual([
      'b: request',
      'b: chunk 0',
      'b: chunk 1',
      'b: chunk 2',
      'b: chunk 3',
      'b: chunk 4',
      'b: finished',
    ]);
  }, 10_000);

  it('a completed download ends with one request, all chunks and a finished response', async () => {
    const body = await awaitTask(download(server.url('c', { chunks: 3, every: 5 })));
    expect(body).toBe('c-0\nc-1\nc-2\n');
    expect(server.linesOf('c')).toEqual(['c: request', 'c: chunk 0', 'c: chunk 1', 'c: chunk 2', 'c: finished']);
  }, 10_000);
});

describe('real I/O: combinators', () => {
  it('whenAnyCancellable: the winner completes and the loser request is aborted on the server side', async () => {
    const slow = download(server.url('slow', { chunks: 50, every: 40 }), { name: 'slow' });
    // the fast response starts only once the slow request has reached the server
    const fast = download(server.url('fast', { chunks: 2, every: 5, after: 'slow' }), { name: 'fast' });

    const result = await firstValueFrom(whenAnyCancellable([slow, fast]));
    expect(result).toEqual({ index: 1, value: 'fast-0\nfast-1\n' });
    expect(slow.state).toBe('cancelled'); // released before the result was emitted

    await server.waitForLine('slow: closed before finish');
    expect(server.linesOf('slow')).not.toContain('slow: finished');
    expect(server.linesOf('fast')).toContain('fast: finished');
  }, 10_000);

  it('whenAllCancellable: one participant cancelled by someone else aborts the other request', async () => {
    const a = download(server.url('all-a', { chunks: 50, every: 40 }), { name: 'all-a' });
    const b = download(server.url('all-b', { chunks: 50, every: 40 }), { name: 'all-b' });
    let error: unknown;
    whenAllCancellable([a, b]).subscribe({ error: (e) => (error = e) });
    await server.waitFor(
      'both requests to stream',
      () => server.log.includes('all-a: chunk 0') && server.log.includes('all-b: chunk 0'),
    );
    a.cancel('not needed');

    expect(error).toBeInstanceOf(ChildCancelled);
    expect((error as ChildCancelled).child).toBe(a);
    expect(b.state).toBe('cancelled');
    await server.waitFor(
      'both responses to be closed early',
      () => server.log.includes('all-a: closed before finish') && server.log.includes('all-b: closed before finish'),
    );
    expect(server.log).not.toContain('all-a: finished');
    expect(server.log).not.toContain('all-b: finished');
  }, 10_000);
});
