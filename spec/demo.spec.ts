import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

/** The demo imports the built package ('rxjs-cancel' → dist/), as a user would. */
function runDemo(): string[] {
  if (!existsSync(join(root, 'dist', 'index.mjs'))) execFileSync('npm', ['run', 'build'], { cwd: root });
  const output = execFileSync(process.execPath, [join(root, 'examples', 'seed.mjs')], { cwd: root, encoding: 'utf8' });
  return output.split('\n').filter((line) => line !== '');
}

/** The lines of one scenario, between its === header and the next. */
function scenario(lines: string[], header: string): string[] {
  const start = lines.indexOf(header);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((line, i) => i > start && line.startsWith('==='));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe('the seed demo (npm start)', () => {
  const lines = runDemo();

  it('detectCancel variant, main cancels the parent: the parent says "I am cancelled"', () => {
    expect(scenario(lines, '=== detectCancel: main cancels the parent')).toEqual([
      'child: sleeping for an hour',
      'parent: I am cancelled',
      'parent: teardown',
      'child: teardown (cancelled)',
      'main: parent ended with CancelledError (task "parent" was cancelled: main cancels the parent)',
      'main: parent is cancelled, child is cancelled',
    ]);
  });

  it('detectCancel variant, main cancels the child: the parent says "child is cancelled now"', () => {
    expect(scenario(lines, '=== detectCancel: main cancels the child')).toEqual([
      'child: sleeping for an hour',
      'child: teardown (cancelled)',
      'parent: child is cancelled now',
      'parent: teardown',
      'main: parent completed',
      'main: parent is completed, child is cancelled',
    ]);
  });

  it('awaitTask variant, main cancels the parent: the parent says "I am cancelled"', () => {
    expect(scenario(lines, '=== awaitTask: main cancels the parent')).toEqual([
      'child: sleeping for an hour',
      'child: teardown (cancelled)',
      'main: parent ended with CancelledError (task "parent" was cancelled: main cancels the parent)',
      'parent: I am cancelled',
      'parent: teardown',
      'main: parent is cancelled, child is cancelled',
    ]);
  });

  it('awaitTask variant, main cancels the child: the parent says "child is cancelled now"', () => {
    expect(scenario(lines, '=== awaitTask: main cancels the child')).toEqual([
      'child: sleeping for an hour',
      'child: teardown (cancelled)',
      'parent: child is cancelled now',
      'parent: teardown',
      'main: parent completed',
      'main: parent is completed, child is cancelled',
    ]);
  });
});
