// `npm run test:rxjs-matrix [-- 7.5.0 7.6.0 …]`: the jest suites against every rxjs release of the peer range that
// CI does not run (CI runs 7.8.2, the dev dependency, and 7.4.0, the lowest), one release after the other, each
// installed from the npm registry into .tmp/rxjs-matrix/<version> and mapped for jest and its child processes by
// jest.rxjs-min.config.cjs (RXJS_DIR). Not part of `npm test`: it takes ≈ 80 s a release and needs the registry.
// Prints one line a release and exits non-zero if any failed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const ranInCi = new Set(['7.4.0', '7.8.2']);
const peerRange = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).peerDependencies.rxjs;

/** Every rxjs release in the peer range, oldest first, without pre-releases. */
function releasesInRange() {
  const all = JSON.parse(execFileSync(npm, ['view', `rxjs@${peerRange}`, 'version', '--json'], { encoding: 'utf8' }));
  const parts = (version) => version.split('.').map(Number);
  return [all]
    .flat()
    .filter((version) => /^\d+\.\d+\.\d+$/.test(version))
    .sort((a, b) => parts(a).reduce((order, part, i) => order || part - parts(b)[i], 0));
}

function install(version) {
  const dir = join(root, '.tmp', 'rxjs-matrix', version);
  const rxjs = join(dir, 'node_modules', 'rxjs');
  if (!existsSync(join(rxjs, 'package.json'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--silent', `rxjs@${version}`], { cwd: dir });
  }
  return rxjs;
}

const versions = process.argv.length > 2 ? process.argv.slice(2) : releasesInRange().filter((v) => !ranInCi.has(v));
if (!existsSync(join(root, 'dist', 'index.cjs'))) execFileSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
const failed = [];
for (const version of versions) {
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '-c', 'jest.rxjs-min.config.cjs', '--silent'],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, RXJS_DIR: install(version), RXJS_EXPECTED: version },
    },
  );
  const tests = /^Tests:.*$/m.exec(run.stderr)?.[0] ?? 'no summary';
  console.log(
    `rxjs ${version}: ${run.status === 0 ? 'pass' : 'FAIL'} (${tests}; ${Math.round((Date.now() - started) / 1000)} s)`,
  );
  if (run.status !== 0) {
    failed.push(version);
    process.stderr.write(run.stderr);
  }
}
console.log(failed.length ? `failed on rxjs ${failed.join(', ')}` : `all ${versions.length} releases passed`);
process.exitCode = failed.length ? 1 : 0;
