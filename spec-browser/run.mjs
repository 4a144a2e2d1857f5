#!/usr/bin/env node
/**
 * The browser run (`npm run test:browser`): the ESM build in headless Chromium.
 *
 * Serves spec-browser/page/ from 127.0.0.1 (see server.mjs) and opens it in Debian's Chromium
 * driven by playwright-core (`npx playwright install` cannot download here): CHROMIUM_PATH, else
 * /usr/bin/chromium, else `chromium` on PATH. Waits for the page's verdict, checks it and what the
 * server saw, and saves a screenshot to .tmp/browser-run/browser-run.png; `--update-screenshot`
 * also writes docs/browser-run.png, the committed copy. Then opens the second page, page/zone.html
 * (the package under zone.js's browser bundle, kept apart because zone.js patches the page's
 * globals), in a tab of the same browser, checks its verdict and saves
 * .tmp/browser-run/browser-run-zone.png (not committed).
 *
 * Needs `npm run build` first (`npm test` builds before it).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const executablePath = process.env.CHROMIUM_PATH ?? findChromium();
const screenshot = join(root, '.tmp', 'browser-run', 'browser-run.png');
const zoneScreenshot = join(root, '.tmp', 'browser-run', 'browser-run-zone.png');
const committedScreenshot = join(root, 'docs', 'browser-run.png');
const updateScreenshot = process.argv.includes('--update-screenshot');
const TIMEOUT = 30_000;

/** Debian's /usr/bin/chromium, else the first `chromium` or `chromium-browser` on PATH. */
function findChromium() {
  const candidates = ['/usr/bin/chromium'];
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    candidates.push(join(dir, 'chromium'), join(dir, 'chromium-browser'));
  }
  return candidates.find((candidate) => existsSync(candidate)) ?? '/usr/bin/chromium';
}

if (!existsSync(join(root, 'dist', 'index.mjs'))) {
  console.error('browser run: dist/index.mjs is missing; run `npm run build` first.');
  process.exit(1);
}
if (!existsSync(executablePath)) {
  console.error(`browser run: no Chromium at ${executablePath} (apt-get install -y chromium, or set CHROMIUM_PATH).`);
  process.exit(1);
}

/**
 * Opens `path` of the server in `page` and waits for the verdict the page leaves in `window[key]`. Returns the page,
 * the verdict (`undefined` if none came: a problem is recorded) and what went wrong in the page (errors, failed
 * requests other than the cancelled fetch of /slow).
 */
async function openPage(page, path, key, what) {
  const errors = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  // A page error (a module that fails to load, say) means no verdict will come: stop waiting then.
  const failed = new Promise((_, reject) => page.once('pageerror', reject));
  failed.catch(() => undefined);
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => {
    // the cancelled fetch is meant to fail; anything else is not
    if (!new URL(request.url()).pathname.startsWith('/slow')) {
      errors.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
    }
  });
  await page.goto(new URL(path, server.url).href, { waitUntil: 'load', timeout: TIMEOUT });
  let result;
  try {
    await Promise.race([page.waitForFunction((k) => window[k]?.done === true, key, { timeout: TIMEOUT }), failed]);
    result = await page.evaluate((k) => window[k], key);
  } catch (error) {
    problems.push(`${what} gave no verdict: ${error.message.split('\n')[0]}`);
  }
  return { page, result, errors };
}

const problems = [];
const server = await startServer();
const userDataDir = mkdtempSync(join(tmpdir(), 'rxjs-cancel-chromium-'));
let context;

try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1100, height: 640 },
    deviceScaleFactor: 1,
    timeout: TIMEOUT,
  });
  const browserVersion = context.browser()?.version() ?? 'unknown';
  console.log(`browser run: Chromium ${browserVersion} at ${executablePath}, server ${server.url}`);

  // The first page: the package with the page's globals as the browser made them.
  const main = await openPage(context.pages()[0] ?? (await context.newPage()), '', '__rxjsCancel', 'the page');
  mkdirSync(dirname(screenshot), { recursive: true });
  await main.page.screenshot({ path: screenshot, fullPage: true });
  if (updateScreenshot) copyFileSync(screenshot, committedScreenshot);
  const result = main.result;
  if (result !== undefined) {
    if (result.error) problems.push(`the page failed: ${result.error}`);
    for (const row of result.rows) {
      console.log(`  ${row.pass ? '✓' : '✗'} ${row.name}: ${row.got}`);
      if (!row.pass) problems.push(`${row.name}: got "${row.got}", expected "${row.expected}" (${row.detail})`);
    }
    if (result.rows.length !== 6) problems.push(`expected 6 scenarios, the page ran ${result.rows.length}`);
    if (!result.pass && problems.length === 0) problems.push('the page says FAIL');
    // What the server saw, independently of what the page says it saw.
    const fetchRow = result.rows.find((row) => row.requestId !== undefined);
    const seen = fetchRow === undefined ? undefined : server.requests.get(fetchRow.requestId);
    if (seen?.state !== 'aborted') {
      problems.push(`the server did not see the cancelled fetch abort (state: ${seen?.state ?? 'never requested'})`);
    } else {
      console.log(`  ✓ server: /slow?id=${fetchRow.requestId} aborted by the client after ${seen.ms} ms`);
    }
  }
  problems.push(...main.errors);

  // The second page, zone.html: the package under zone.js's browser bundle, which patches that page's globals.
  const zone = await openPage(await context.newPage(), 'page/zone.html', '__rxjsCancelZone', 'the zone.js page');
  await zone.page.screenshot({ path: zoneScreenshot, fullPage: true });
  if (zone.result !== undefined) {
    const { rows, error } = zone.result;
    console.log(`  under zone.js ${zone.result.zone ?? '?'} (page/zone.html):`);
    if (error) problems.push(`the zone.js page failed: ${error}`);
    for (const row of rows) {
      console.log(`  ${row.pass ? '✓' : '✗'} zone.js: ${row.name}: ${row.got}`);
      if (!row.pass) {
        problems.push(`zone.js page: ${row.name}: got "${row.got}", expected "${row.expected}" (${row.detail})`);
      }
    }
    if (rows.length !== 7) problems.push(`expected 7 scenarios on the zone.js page, it ran ${rows.length}`);
    if (!zone.result.pass && rows.every((row) => row.pass) && !error) problems.push('the zone.js page says FAIL');
  }
  problems.push(...zone.errors.map((message) => `zone.js page: ${message}`));
} catch (error) {
  problems.push(error.stack ?? String(error));
} finally {
  await context?.close().catch(() => undefined);
  await server.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

console.log(
  `  screenshots: ${relative(root, screenshot)}${updateScreenshot ? ` (copied to ${relative(root, committedScreenshot)})` : ''}, ` +
    `${relative(root, zoneScreenshot)} (the zone.js page)`,
);
if (problems.length > 0) {
  console.log(`\n✗ browser run failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('\n✓ browser run passed');
