#!/usr/bin/env node
// Renders marble SVGs to PNG with the installed Chromium, to look at them:
//   node scripts/marbles/preview.mjs docs/marbles/shield/*.svg   → .tmp/marbles/<file>/<case>.png
// Also reports any SVG the browser cannot parse. Needs playwright-core and Chromium
// (CHROMIUM_PATH, default /usr/bin/chromium); works offline.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const svgs = process.argv.slice(2);
if (svgs.length === 0) {
  console.error('usage: node scripts/marbles/preview.mjs <file.svg>...');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
let failed = 0;
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 });
  for (const svg of svgs) {
    const text = readFileSync(svg, 'utf8');
    const parseError = await page.evaluate((source) => {
      const doc = new DOMParser().parseFromString(source, 'image/svg+xml');
      const error = doc.querySelector('parsererror');
      return error ? error.textContent : null;
    }, text);
    if (parseError) {
      console.error(`${svg}: not well-formed: ${parseError}`);
      failed++;
      continue;
    }
    await page.setContent(`<html><body style="margin:0;background:#fff">${text}</body></html>`);
    const box = await page.locator('svg').boundingBox();
    await page.setViewportSize({ width: Math.ceil(box.width), height: Math.ceil(box.height) });
    const out = join(
      root,
      '.tmp',
      'marbles',
      relative(join(root, 'docs', 'marbles'), resolve(svg)).replace(/\.svg$/, '.png'),
    );
    mkdirSync(dirname(out), { recursive: true });
    await page.locator('svg').screenshot({ path: out });
    console.log(out);
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
