/**
 * Scenarios run in a Node process of their own (spec/zone.spec.ts, spec/angular.spec.ts): zone.js patches globals and
 * Angular's packages are ES modules, so neither is loaded into the jest process. Each child runs the built package as
 * a user would (`rxjs-cancel` → dist/) and prints what it saw as its last line of stdout, in JSON.
 *
 * Under jest.rxjs-min.config.cjs the jest process's `rxjs` is 7.4.0 (or, with RXJS_DIR, the rxjs installed there: see
 * scripts/rxjs-matrix.mjs); its moduleNameMapper does not reach a child process, so the child is told to map `rxjs` to
 * the same copy (RXJS_CANCEL_CHILD_RXJS, that copy's absolute path), and each spec checks which rxjs its children
 * ran.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..');

const rxjsPackage = require.resolve('rxjs/package.json'); // mapped by jest.rxjs-min.config.cjs
/** The version of the rxjs this suite runs (7.4.0 under jest.rxjs-min.config.cjs). */
export const rxjsVersion = (JSON.parse(readFileSync(rxjsPackage, 'utf8')) as { version: string }).version;
/** The directory of that rxjs when it is not the one a child would load by itself (its absolute path), else ''. */
const rxjsDir = dirname(rxjsPackage) === join(root, 'node_modules', 'rxjs') ? '' : dirname(rxjsPackage);

/**
 * Runs `node script ...args` once per entry of `runs`, all at once, with the suite's rxjs and `env` added to the
 * environment (after building the package if dist/ is missing), and resolves with each run's JSON, in order.
 * A child's stderr is not looked at.
 */
export async function runChildren<T>(script: string, runs: string[][], env: Record<string, string> = {}): Promise<T[]> {
  if (!existsSync(join(root, 'dist', 'index.cjs'))) execFileSync('npm', ['run', 'build'], { cwd: root });
  const childEnv = { ...process.env, ...env, RXJS_CANCEL_CHILD_RXJS: rxjsDir };
  return Promise.all(
    runs.map(async (args) => {
      const { stdout } = await promisify(execFile)(process.execPath, [script, ...args], {
        cwd: root,
        env: childEnv,
        encoding: 'utf8',
        timeout: 20_000,
      });
      return JSON.parse(stdout.trim().split('\n').pop()!) as T;
    }),
  );
}
