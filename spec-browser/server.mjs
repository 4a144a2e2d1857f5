/**
 * The tiny static server of the browser run: node:http on 127.0.0.1, an ephemeral port.
 *
 * It serves the page (spec-browser/page/), the ESM build (dist/), the demo's tasks (examples/), the ESM builds of rxjs and
 * its tslib and zone.js's bundles (for page/zone.html) from node_modules, nothing else. rxjs's ESM files import each other without file extensions, so a
 * path without one is answered with the `.js` file of that name, as a bundler would resolve it.
 *
 * `/slow?id=…` is a request that never finishes on its own: the server sends the headers and
 * waits. It records what happened to each such request, and `/observed?id=…` reports it as JSON
 * (`{ state: 'open' | 'aborted' | 'finished', ms }`), so the page (and the test) can see that
 * cancelling the task aborted the request on the wire, not just in the page.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const require = createRequire(join(root, 'package.json'));

/** URL prefix → directory it serves. */
const MOUNTS = [
  ['/page/', join(here, 'page')],
  ['/dist/', join(root, 'dist')],
  ['/examples/', join(root, 'examples')],
  ['/node_modules/rxjs/', dirname(require.resolve('rxjs/package.json'))],
  ['/node_modules/tslib/', dirname(require.resolve('tslib/package.json'))],
  ['/node_modules/zone.js/', dirname(require.resolve('zone.js/package.json'))],
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** How long `/slow` waits before it gives up and finishes by itself. */
const SLOW_MS = 60_000;

/** Maps a URL path to a file inside one of the mounts, or `undefined`. */
function fileFor(pathname) {
  if (pathname === '/') return join(here, 'page', 'index.html');
  for (const [prefix, dir] of MOUNTS) {
    if (!pathname.startsWith(prefix)) continue;
    const file = normalize(join(dir, decodeURIComponent(pathname.slice(prefix.length))));
    if (file !== dir && !file.startsWith(dir + sep)) return undefined; // no way out of the mount
    const candidates = extname(file) === '' ? [file, `${file}.js`, join(file, 'index.js')] : [file];
    return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  }
  return undefined;
}

/**
 * Starts the server. Resolves with its `url`, the `requests` seen by `/slow` (id → record) and
 * `close()`.
 */
export async function startServer() {
  /** @type {Map<string, { state: 'open' | 'aborted' | 'finished', openedAt: number, ms?: number }>} */
  const requests = new Map();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const noStore = { 'cache-control': 'no-store' };

    if (url.pathname === '/slow') {
      const id = url.searchParams.get('id') ?? 'anonymous';
      const record = { state: 'open', openedAt: Date.now() };
      requests.set(id, record);
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', ...noStore });
      res.flushHeaders(); // the response has started; its body never comes
      const timer = setTimeout(() => res.end('finally done\n'), SLOW_MS);
      res.on('close', () => {
        clearTimeout(timer);
        record.state = res.writableFinished ? 'finished' : 'aborted';
        record.ms = Date.now() - record.openedAt;
      });
      return;
    }

    if (url.pathname === '/favicon.ico') {
      res.writeHead(204, noStore);
      res.end();
      return;
    }

    if (url.pathname === '/observed') {
      const record = requests.get(url.searchParams.get('id') ?? '');
      res.writeHead(200, { 'content-type': TYPES['.json'], ...noStore });
      res.end(JSON.stringify(record ?? { state: 'unknown' }));
      return;
    }

    const file = req.method === 'GET' ? fileFor(url.pathname) : undefined;
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...noStore });
      res.end(`not found: ${url.pathname}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...noStore });
    res.end(readFileSync(file));
  });

  await new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePromise(undefined));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');

  return {
    url: `http://127.0.0.1:${address.port}/`,
    requests,
    close: () =>
      new Promise((resolvePromise) => {
        server.closeAllConnections();
        server.close(() => resolvePromise(undefined));
      }),
  };
}

// `node spec-browser/server.mjs`: serve the page for a person's own browser.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await startServer();
  if (!existsSync(join(root, 'dist', 'index.mjs'))) console.log('note: dist/index.mjs is missing: run `npm run build`');
  console.log(`serving the browser run at ${url} (Ctrl+C to stop)`);
}
