'use strict';
// The seed scenario, synchronous, against a loaded copy of the package.
// Used by smoke.cjs and smoke.mjs to check the built files.
const assert = require('node:assert/strict');
const { EMPTY, NEVER, Observable, catchError, finalize } = require('rxjs');

const EXPORTS = [
  'CancelledError',
  'ChildCancelled',
  'Task',
  'task',
  'startTask',
  'detectCancel',
  'shield',
  'whenAllCancellable',
  'whenAnyCancellable',
  'cancelWhen',
  'awaitTask',
  'linkSignals',
];

function runSeedScenario(lib, label) {
  for (const name of EXPORTS) assert.equal(typeof lib[name], 'function', `${label}: export ${name} is missing`);
  const { task, detectCancel, ChildCancelled, CancelledError } = lib;

  function run(whom) {
    const log = [];
    const child = task((signal) => new Observable(() => () => log.push(`child teardown aborted=${signal.aborted}`)), {
      name: 'child',
    });
    const parent = task(
      (signal) =>
        child.pipe(
          detectCancel(),
          catchError((error) => {
            if (!(error instanceof ChildCancelled)) throw error;
            log.push('parent: child is cancelled now');
            return EMPTY;
          }),
          finalize(() => signal.aborted && log.push('parent: I am cancelled')),
        ),
      { name: 'parent' },
    );
    parent.subscribe({
      error: (e) => log.push(`main: ${e.name} of ${e.task.name}`),
      complete: () => log.push('main: completed'),
    });
    if (whom === 'parent') parent.cancel('r');
    else child.cancel('r');
    return log;
  }

  assert.deepEqual(run('parent'), [
    'parent: I am cancelled',
    'child teardown aborted=true',
    'main: CancelledError of parent',
  ]);
  assert.deepEqual(run('child'), ['child teardown aborted=true', 'parent: child is cancelled now', 'main: completed']);

  const t = lib.startTask(NEVER);
  t.cancel('x');
  assert.ok(t.signal.reason instanceof CancelledError, `${label}: signal reason is a CancelledError`);
  assert.equal(t.state, 'cancelled');
  console.log(`${label}: seed scenario OK (${EXPORTS.length} exports)`);
}

module.exports = { runSeedScenario, EXPORTS };
