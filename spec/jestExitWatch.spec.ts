/**
 * scripts/jest-exit-watch.cjs, the reporter that ends the Node 22 stall (docs/packaging.md, "A jest run that does not
 * exit"), run as CI runs it: a jest process of its own, on the Node that runs this suite, over a scratch spec.
 * The stall cannot be made on purpose (it needs the stack to run out inside Node's setTimeout), so its state is made
 * by hand: a referenced timer taken out of its list and marked destroyed, which leaves Node counting a timer that no
 * longer exists (its list expires 100 s later).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..');
const WAIT_MS = 2000;

const PHANTOM = `
  const timer = setTimeout(() => {}, 100000);
  timer._destroyed = true;
  timer._idlePrev._idleNext = timer._idleNext;
  timer._idleNext._idlePrev = timer._idlePrev;
  timer._idlePrev = timer._idleNext = null;`;

interface Run {
  code: number | null;
  stderr: string;
}

/**
 * Runs jest with the reporter, acting `waitMs` after the run, over one spec file whose body is `body`; resolves with
 * its exit code and stderr.
 */
function runJest(body: string, waitMs = WAIT_MS): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'jest-exit-watch-'));
  writeFileSync(join(dir, 'scratch.test.js'), `it('runs', () => {${body}\n});\n`);
  writeFileSync(
    join(dir, 'jest.config.cjs'),
    `module.exports = ${JSON.stringify({
      rootDir: dir,
      testEnvironment: require.resolve('jest-environment-node'),
      transform: {},
      testMatch: ['**/scratch.test.js'],
      reporters: [join(root, 'scripts', 'jest-exit-watch.cjs')],
      cacheDirectory: join(dir, 'cache'),
      watchman: false,
    })};\n`,
  );
  const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [jest, '--config', join(dir, 'jest.config.cjs')],
      { cwd: dir, env: { ...process.env, JEST_EXIT_WATCH_MS: String(waitMs) }, encoding: 'utf8', timeout: 60_000 },
      (error, _stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
      },
    );
  });
}

describe('scripts/jest-exit-watch.cjs', () => {
  let runs: Record<'clean' | 'phantom' | 'phantomFailing' | 'realTimer', Run>;

  beforeAll(async () => {
    const [clean, phantom, phantomFailing, realTimer] = await Promise.all([
      runJest('', 10_000), // the default wait: a clean run exits well before, even on a loaded machine
      runJest(PHANTOM),
      runJest(`${PHANTOM}\n  expect(1).toBe(2);`),
      runJest('\n  setTimeout(() => {}, 6000);'),
    ]);
    runs = { clean, phantom, phantomFailing, realTimer };
  }, 90_000);

  it('says nothing about a run whose process exits', () => {
    expect(runs.clean.code).toBe(0);
    expect(runs.clean.stderr).not.toContain('jest-exit-watch');
  });

  it("ends a process kept up only by a count of referenced timers with none alive, with the run's exit code", () => {
    // killed by execFile's 60 s timeout otherwise (code null): the phantom's list expires after 100 s. On failure,
    // jest prints the run's stderr, which says what the reporter saw.
    expect(runs.phantom).toEqual({ code: 0, stderr: expect.stringContaining('Exiting now.') as unknown });
    expect(runs.phantom.stderr).toContain(`still alive ${WAIT_MS / 1000} s after the run`);
    expect(runs.phantom.stderr).toMatch(/Active resources: \[("PipeWrap",)*"Timeout"\]/); // stdio is a pipe here
    expect(runs.phantom.stderr).toContain('Node counts 1 referenced timer(s) and none is alive');
    // jest's code for a failing run, kept
    expect(runs.phantomFailing).toEqual({ code: 1, stderr: expect.stringContaining('Exiting now.') as unknown });
  });

  it('leaves a process kept up by a live timer alone, after naming the timer', () => {
    expect(runs.realTimer.code).toBe(0); // exits when the timer fires, 6 s in
    expect(runs.realTimer.stderr).toContain('still alive');
    expect(runs.realTimer.stderr).toMatch(/"ms":6000,"destroyed":false,"ref":true/);
    expect(runs.realTimer.stderr).not.toContain('Exiting now');
  });
});
