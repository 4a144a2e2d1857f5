// The browser run: the package's ESM build, loaded through an import map, in a real browser.
//
// 1-4. The seed scenario. A child "sleeps for an hour"; a parent awaits it, through detectCancel()
//      (Observable style) or awaitTask() (async style). Main cancels either the parent or the
//      child, and the parent must tell "I am cancelled" from "child is cancelled now".
// 5.   A task wrapping fetch() of a slow endpoint of the same server is cancelled: its consumer
//      hears a ChildCancelled and the server sees the request aborted on the wire.
// 6.   A signal of another realm (an iframe's AbortController, not an instance of this page's
//      AbortSignal) is accepted by task(), cancelWhen(), linkSignals() and the combinators, and its
//      abort reaches each of them.
//
// Results are shown on the page and left in `window.__rxjsCancel` for the test to read.
import * as rx from 'rxjs';
import * as lib from 'rxjs-cancel';
import { seedTasks } from '/examples/seed-tasks.mjs';
import { render, seedRows } from '/page/shared.mjs';

const { CancelledError, ChildCancelled, cancelWhen, detectCancel, linkSignals, task, whenAllCancellable } = lib;
// The very tasks of the demo (`npm start`), run against the ESM build in this browser.
const seed = seedTasks(lib, rx);

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function observed(id) {
  const response = await fetch(`/observed?id=${encodeURIComponent(id)}`);
  return response.json();
}

/** Polls the server until `id` is in `state` (or 5 s passed); returns the last record. */
async function waitForServer(id, state) {
  const deadline = performance.now() + 5000;
  let record = await observed(id);
  while (record.state !== state && performance.now() < deadline) {
    await delay(20);
    record = await observed(id);
  }
  return record;
}

async function fetchScenario() {
  const id = `slow-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const download = task((signal) => fetch(`/slow?id=${id}`, { signal }).then((response) => response.text()), {
    name: 'download',
  });
  let consumerSaw = 'nothing yet';
  download.pipe(detectCancel()).subscribe({
    next: () => (consumerSaw = 'a value'),
    error: (error) =>
      (consumerSaw =
        error instanceof ChildCancelled
          ? `ChildCancelled (child "${error.child?.name}", reason "${error.reason}")`
          : `${error.name}: ${error.message}`),
    complete: () => (consumerSaw = 'completed'),
  });
  const opened = await waitForServer(id, 'open'); // the request reached the server
  const signal = download.signal;
  download.cancel('user navigated away');
  const closed = await waitForServer(id, 'aborted');

  const expected = 'ChildCancelled (child "download", reason "user navigated away")';
  return {
    name: 'fetch() of a slow endpoint, task cancelled',
    got: `${consumerSaw}; server: request ${closed.state}`,
    expected: `${expected}; server: request aborted`,
    pass:
      opened.state === 'open' &&
      consumerSaw === expected &&
      closed.state === 'aborted' &&
      signal.aborted &&
      download.state === 'cancelled',
    detail: `id ${id}; the server saw the connection close ${closed.ms ?? '?'} ms after the request opened; task.signal.aborted: ${signal.aborted}`,
    requestId: id,
  };
}

async function otherRealmScenario() {
  const frame = document.createElement('iframe');
  frame.hidden = true;
  document.body.append(frame);
  const controller = new frame.contentWindow.AbortController();
  const signal = controller.signal;
  const heard = [];
  const linked = task(() => new rx.Observable(() => () => heard.push('task torn down')), { signal, name: 'linked' });
  linked.subscribe({ error: (error) => heard.push(`task: ${error.name} (${error.reason})`) });
  const output = linkSignals(signal).signal;
  output.addEventListener('abort', () => heard.push(`linkSignals: ${output.reason}`));
  rx.NEVER.pipe(cancelWhen(signal)).subscribe({
    error: (error) => heard.push(`cancelWhen: ${error instanceof CancelledError} (${error.reason})`),
  });
  whenAllCancellable([rx.NEVER], { signal }).subscribe({
    error: (error) => heard.push(`whenAll: ${error.name} (${error.reason})`),
  });
  const foreign = !(signal instanceof AbortSignal);
  // the four links share one hub (one listener), kept on the signal under the package's symbol
  const hubs = Object.getOwnPropertySymbols(signal).filter((key) => key.description === 'rxjs-cancel hub').length;
  controller.abort('from the iframe');
  frame.remove();
  const expected = [
    'linkSignals: from the iframe',
    'task torn down',
    'task: CancelledError (from the iframe)',
    'cancelWhen: true (from the iframe)',
    'whenAll: CancelledError (from the iframe)',
  ].join(', ');
  const got = heard.join(', ');
  return {
    name: "an iframe's AbortSignal (another realm) aborts",
    got,
    expected,
    pass: foreign && hubs === 1 && got === expected && linked.state === 'cancelled',
    detail: `instanceof this page's AbortSignal: ${!foreign}; hubs on the signal: ${hubs}; task ${linked.state}`,
  };
}

const meta = (rxjsVersion) =>
  `rxjs-cancel <code>dist/index.mjs</code> + rxjs ${rxjsVersion} (ESM), loaded through an import map from ` +
  `<code>${location.origin}</code>`;

async function main() {
  const rxjsVersion = (await (await fetch('/node_modules/rxjs/package.json')).json()).version;
  const rows = await seedRows(seed, delay);
  rows.push(await fetchScenario());
  rows.push(await otherRealmScenario());
  const pass = rows.every((row) => row.pass);
  render(rows, pass, undefined, meta(rxjsVersion));
  window.__rxjsCancel = { done: true, pass, rows, userAgent: navigator.userAgent, rxjs: rxjsVersion };
}

main().catch((error) => {
  render([], false, error?.stack ?? String(error), meta('?'));
  window.__rxjsCancel = { done: true, pass: false, rows: [], error: String(error?.stack ?? error) };
});
