// A reactive Node back end: each HTTP request is a task linked to its client's connection, and it
// awaits an upstream call, a child task linked to a server-wide pool that can be drained. When the
// request ends in cancellation, the handler can tell which one happened:
//
// - the client went away: the request task itself is cancelled (CancelledError); there is nobody
//   to answer, and the upstream call it awaited is released, which cancels it;
// - the upstream call was cancelled by someone else (the pool was drained): the handler sees
//   ChildCancelled and answers 503, where plain RxJS would have seen a silent completion;
// - the server shuts down: the request task itself is cancelled again (its signal links the
//   connection and the server's shutdown), but its client still waits, so it answers 503.
//
// The file starts a server on a free port, sends it four requests (answered, abandoned by the
// client, cut off by draining the pool, cut off by shutting the server down), prints what the
// server and the client saw, and stops.
//
// Run: npm run build && node examples/http-server.mjs
import http from 'node:http';
import { map, timer } from 'rxjs';
import { awaitTask, CancelledError, ChildCancelled, linkSignals, startTask } from 'rxjs-cancel';

const UPSTREAM_MS = 500; // how long the upstream call takes
const CUT_AFTER_MS = 20; // when the client leaves, the pool drains or the server shuts down, once it has the request
const say = (line) => console.log(line);

/** Cancels every upstream call in flight when aborted (a drain, a circuit breaker…). */
let upstreamPool = new AbortController();
/** Drains the pool. Calls made later get a fresh one: a task linked to an aborted signal is cancelled at once. */
function drainUpstream(reason) {
  const drained = upstreamPool;
  upstreamPool = new AbortController();
  drained.abort(reason);
}
/** Aborts when the server shuts down: cancels every request in flight. */
const serverShutdown = new AbortController();
/** Per request id: `arrived` once the server handles it, `ended` once its task has ended (for this demo's client). */
const progress = new Map();
function progressOf(id) {
  if (!progress.has(id)) progress.set(id, { arrived: deferred(), ended: deferred() });
  return progress.get(id);
}

function callUpstream(id) {
  return startTask(timer(UPSTREAM_MS).pipe(map(() => ({ id, price: 42 }))), {
    signal: upstreamPool.signal,
    name: `upstream ${id}`,
  });
}

function handle(req, res) {
  const id = req.url.split('/').pop();
  // The client's connection as a signal: 'close' before the answer is written means it left.
  const connection = new AbortController();
  // The request's lifetime: until its client leaves or the server shuts down.
  const lifetime = linkSignals(connection.signal, serverShutdown.signal);
  res.on('close', () => {
    if (!res.writableFinished) connection.abort('the client went away');
    lifetime.unlink(); // the response is over: nothing stays attached to the long-lived shutdown signal
  });
  let upstream;
  const request = startTask(
    async (signal) => {
      upstream = callUpstream(id);
      try {
        return { status: 200, body: JSON.stringify(await awaitTask(upstream, { signal })) };
      } catch (error) {
        // The upstream call was cancelled by someone else: answer for it.
        if (error instanceof ChildCancelled) return { status: 503, body: `upstream call cancelled: ${error.reason}` };
        throw error; // our own cancellation (CancelledError) or the upstream's error
      }
    },
    { signal: lifetime.signal, name: `request ${id}` },
  );
  const { arrived, ended } = progressOf(id);
  request.subscribe({
    next: ({ status, body }) => {
      say(`server: request ${id} -> ${status} ${body}`);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    },
    error: (error) => {
      if (connection.signal.aborted) {
        // The client left, which cancelled the request (error.task === request): nobody to answer.
        say(`server: ${error.message}; nothing to answer, ${upstream.name} is ${upstream.state}`);
      } else if (error instanceof CancelledError) {
        // Cancelled while the client still waits: the server shuts down (or the body let a ChildCancelled
        // through, which is a CancelledError too). Tell the client.
        say(`server: ${error.message}; answering 503, ${upstream.name} is ${upstream.state}`);
        res.writeHead(503, { 'content-type': 'text/plain' }).end(`cancelled: ${error.reason}`);
      } else {
        console.error(`server: request ${id} failed:`, error);
        res.writeHead(500).end();
      }
      ended.resolve();
    },
    complete: ended.resolve,
  });
  arrived.resolve();
}

/** GET /quote/<id>: the response as "status body"; `leave()` closes the connection before it arrives. */
function get(port, id) {
  let req;
  const response = new Promise((resolve, reject) => {
    req = http.get({ port, path: `/quote/${id}`, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    });
    req.on('error', (error) => (req.destroyed ? resolve('left') : reject(error)));
  });
  return { response, leave: () => req.destroy() };
}

function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const server = http.createServer(handle);
/** Stops taking connections and cancels every request in flight; resolves once the last connection has closed. */
function shutDown(reason) {
  const closed = new Promise((resolve) => server.close(resolve));
  serverShutdown.abort(reason);
  return closed;
}
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

say('=== GET /quote/1: answered');
say(`client: ${await get(port, '1').response}`);

say('=== GET /quote/2: the client leaves');
const leaving = get(port, '2');
await progressOf('2').arrived.promise;
await delay(CUT_AFTER_MS);
leaving.leave();
await progressOf('2').ended.promise;

say('=== GET /quote/3: the upstream pool is drained');
const cut = get(port, '3');
await progressOf('3').arrived.promise;
await delay(CUT_AFTER_MS);
drainUpstream('upstream drained');
say(`client: ${await cut.response}`);

say('=== GET /quote/4: the server shuts down');
const waiting = get(port, '4');
await progressOf('4').arrived.promise;
await delay(CUT_AFTER_MS);
const closed = shutDown('the server shuts down');
say(`client: ${await waiting.response}`);
await closed;
say('server: closed');
