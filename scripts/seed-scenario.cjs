'use strict';
// The seed scenario (examples/seed-tasks.mjs) against a loaded copy of the package:
// used by smoke.cjs and smoke.mjs to check the built files.
const assert = require('node:assert/strict');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const rx = require('rxjs');

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

/** What the parent and the child say, by variant and by whom main cancels. */
const EXPECTED = {
  'detectCancel/parent': [
    'child: sleeping for an hour',
    'child: teardown (cancelled)',
    'parent: I am cancelled',
    'parent: teardown',
    'main: CancelledError of parent',
  ],
  'detectCancel/child': [
    'child: sleeping for an hour',
    'child: teardown (cancelled)',
    'parent: child is cancelled now',
    'parent: teardown',
    'main: completed',
  ],
  'awaitTask/parent': [
    'child: sleeping for an hour',
    'child: teardown (cancelled)',
    'main: CancelledError of parent',
    'parent: I am cancelled',
    'parent: teardown',
  ],
  'awaitTask/child': [
    'child: sleeping for an hour',
    'child: teardown (cancelled)',
    'parent: child is cancelled now',
    'parent: teardown',
    'main: completed',
  ],
};

async function runSeedScenario(lib, label) {
  for (const name of EXPORTS) assert.equal(typeof lib[name], 'function', `${label}: export ${name} is missing`);
  const seedTasksUrl = pathToFileURL(path.join(__dirname, '..', 'examples', 'seed-tasks.mjs')).href;
  const { seedTasks } = await import(seedTasksUrl);
  const tasks = seedTasks(lib, rx);
  const variants = { detectCancel: tasks.parentWithDetectCancel, awaitTask: tasks.parentWithAwaitTask };

  for (const [variant, makeParent] of Object.entries(variants)) {
    for (const whom of ['parent', 'child']) {
      const log = [];
      const say = (line) => log.push(line);
      const child = tasks.sleepyChild(say);
      const parent = makeParent(child, say);
      parent.subscribe({
        error: (e) => say(`main: ${e.name} of ${e.task.name}`),
        complete: () => say('main: completed'),
      });
      await new Promise((resolve) => setImmediate(resolve)); // let an async parent reach its await
      if (whom === 'parent') parent.cancel('r');
      else child.cancel('r');
      await new Promise((resolve) => setImmediate(resolve)); // and its catch block run
      assert.deepEqual(log, EXPECTED[`${variant}/${whom}`], `${label}: ${variant}, main cancels the ${whom}`);
    }
  }

  const t = lib.startTask(rx.NEVER);
  t.cancel('x');
  assert.ok(t.signal.reason instanceof lib.CancelledError, `${label}: signal reason is a CancelledError`);
  assert.equal(t.state, 'cancelled');
  console.log(`${label}: seed scenario OK (${EXPORTS.length} exports, both variants, both cancellations)`);
}

module.exports = { runSeedScenario, EXPORTS };
