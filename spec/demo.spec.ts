import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

/** Runs an example, which imports the built package ('rxjs-cancel' → dist/) as a user would. */
function runExample(file: string): string[] {
  if (!existsSync(join(root, 'dist', 'index.mjs'))) execFileSync('npm', ['run', 'build'], { cwd: root });
  // Runs while jest collects the suite, where no test timeout applies: a hung example must fail, not block CI.
  const output = execFileSync(process.execPath, [join(root, 'examples', file)], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return output.split('\n').filter((line) => line !== '');
}

/** The lines of one scenario, between its === header and the next. */
function scenario(lines: string[], header: string): string[] {
  const start = lines.indexOf(header);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((line, i) => i > start && line.startsWith('==='));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

const PARENT_CANCELLED =
  'main: parent ended with CancelledError (task "parent" was cancelled: main cancels the parent)';

describe('the seed demo (npm start)', () => {
  const lines = runExample('seed.mjs');

  it('runs four scenarios, each with its header', () => {
    expect(lines.filter((line) => line.startsWith('==='))).toEqual([
      '=== detectCancel: main cancels the parent',
      '=== detectCancel: main cancels the child',
      '=== awaitTask: main cancels the parent',
      '=== awaitTask: main cancels the child',
    ]);
  });

  it.each([
    [
      'detectCancel',
      'parent',
      'I am cancelled',
      [
        'child: sleeping for an hour',
        'child: teardown (cancelled)', // released as the body unsubscribes, before its finalize() runs
        'parent: I am cancelled',
        'parent: teardown',
        PARENT_CANCELLED,
        'main: parent is cancelled, child is cancelled',
      ],
    ],
    [
      'detectCancel',
      'child',
      'child is cancelled now',
      [
        'child: sleeping for an hour',
        'child: teardown (cancelled)',
        'parent: child is cancelled now',
        'parent: teardown',
        'main: parent completed',
        'main: parent is completed, child is cancelled',
      ],
    ],
    [
      'awaitTask',
      'parent',
      'I am cancelled',
      [
        'child: sleeping for an hour',
        'child: teardown (cancelled)',
        PARENT_CANCELLED,
        'parent: I am cancelled',
        'parent: teardown',
        'main: parent is cancelled, child is cancelled',
      ],
    ],
    [
      'awaitTask',
      'child',
      'child is cancelled now',
      [
        'child: sleeping for an hour',
        'child: teardown (cancelled)',
        'parent: child is cancelled now',
        'parent: teardown',
        'main: parent completed',
        'main: parent is completed, child is cancelled',
      ],
    ],
  ])('%s variant, main cancels the %s: the parent says "%s"', (variant, whom, _says, expected) => {
    expect(scenario(lines, `=== ${variant}: main cancels the ${whom}`)).toEqual(expected);
  });

  it("is printed whole in README's quick start", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /`npm start` builds the package[\s\S]*?```text\n([\s\S]*?)\n```/.exec(readme);
    expect(block).not.toBeNull();
    expect(block![1]!.split('\n').filter((line) => line !== '')).toEqual(lines);
  });
});

describe('the HTTP server example (examples/http-server.mjs)', () => {
  const lines = runExample('http-server.mjs');

  it.each([
    [
      'answers a request whose upstream call completes',
      '=== GET /quote/1: answered',
      ['server: request 1 -> 200 {"id":"1","price":42}', 'client: 200 {"id":"1","price":42}'],
    ],
    [
      'a request whose client leaves sees its own cancellation, and its upstream call is cancelled before it hears',
      '=== GET /quote/2: the client leaves',
      ['server: task "request 2" was cancelled: the client went away; nothing to answer, upstream 2 is cancelled'],
    ],
    [
      'a request whose upstream call is cancelled by someone else sees ChildCancelled and answers 503',
      '=== GET /quote/3: the upstream pool is drained',
      [
        'server: request 3 -> 503 upstream call cancelled: upstream drained',
        'client: 503 upstream call cancelled: upstream drained',
      ],
    ],
    [
      'a request cut off by the server shutting down is its own cancellation, still answered 503; the server closes',
      '=== GET /quote/4: the server shuts down',
      [
        'server: task "request 4" was cancelled: the server shuts down; answering 503, upstream 4 is cancelled',
        'client: 503 cancelled: the server shuts down',
        'server: closed',
      ],
    ],
  ])('%s', (_behaviour, header, expected) => {
    expect(scenario(lines, header)).toEqual(expected);
  });

  it('is printed whole in docs/recipes.md', () => {
    const recipes = readFileSync(join(root, 'docs', 'recipes.md'), 'utf8');
    const block = /examples\/http-server\.mjs[\s\S]*?```text\n([\s\S]*?)\n```/.exec(recipes);
    expect(block).not.toBeNull();
    expect(block![1]!.split('\n')).toEqual(lines);
  });
});
