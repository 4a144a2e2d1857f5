// `npm run test:mutation [-- stryker options]`: a mutation audit of src/ with StrykerJS, config in
// stryker.config.mjs. Stryker is not a dev dependency (CI's `npm ci` must not install it): the pinned versions below
// are installed on first use into .tmp/stryker/ (needs the npm registry), then run from there. Not part of `npm test`
// or CI: a run over src/ with this config would take several hours on this repo's two cores, most of it task.ts
// (a task.ts mutant ≈ 30 s, ≈ 4 hours for its 529; 80 min with the 20 slowest tests left out and shorter timeouts;
// 237 mutants of four other modules took 28 min; 236 of errors.ts and validate.ts, 19 min on one runner with jest
// narrowed to ten specs: see RELIABILITY.md, sixth and seventh passes).
// Extra arguments go to `stryker run`, e.g. one module (for errors.ts or task.ts, give the line ranges that
// stryker.config.mjs computes around their brand getters):
//   npm run test:mutation -- --mutate src/cancelWhen.ts
// The report: .tmp/stryker/report/mutation.html (and mutation.json); reruns are incremental
// (.tmp/stryker/incremental.json): only mutants whose code or covering tests changed are run again.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// 9.6.1: the last release that runs on Node 20 (10.x needs Node 22); its jest runner is tested with jest 30.
const packages = ['@stryker-mutator/core@9.6.1', '@stryker-mutator/jest-runner@9.6.1'];
const dir = join(root, '.tmp', 'stryker');
const stamp = join(dir, 'installed.json');

const installed = existsSync(stamp) ? readFileSync(stamp, 'utf8') : '';
if (installed !== JSON.stringify(packages)) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--silent', ...packages], {
    cwd: dir,
    stdio: 'inherit',
  });
  writeFileSync(stamp, JSON.stringify(packages));
}
const started = Date.now();
const run = spawnSync(
  process.execPath,
  [
    join(dir, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js'),
    'run',
    'stryker.config.mjs',
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit' },
);
console.log(`stryker: ${Math.round((Date.now() - started) / 60000)} min`);
process.exitCode = run.status ?? 1;
