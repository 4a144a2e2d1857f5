// Loads the built ES module as an ESM user would, runs the seed scenario, and
// checks that instanceof holds across two loaded copies (the ESM and the CJS file).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as esm from 'rxjs-cancel';

const require = createRequire(import.meta.url);
const { runSeedScenario } = require('./seed-scenario.cjs');
const cjs = require('rxjs-cancel');

assert.equal(import.meta.resolve('rxjs-cancel'), new URL('../dist/index.mjs', import.meta.url).href);
await runSeedScenario(esm, 'dist/index.mjs');

assert.notEqual(esm.Task, cjs.Task, 'two copies are loaded');
const cjsTask = cjs.startTask(Promise.resolve(1));
assert.ok(cjsTask instanceof esm.Task, 'a Task of one copy is a Task for the other');
const cjsError = new cjs.ChildCancelled(new cjs.CancelledError('r'));
assert.ok(
  cjsError instanceof esm.ChildCancelled && cjsError instanceof esm.CancelledError && cjsError instanceof Error,
);
assert.ok(!(new cjs.CancelledError() instanceof esm.ChildCancelled), 'a CancelledError is not a ChildCancelled');
const cancelledElsewhere = cjs.startTask(new Promise(() => {}), { name: 'other copy' });
const seen = [];
esm.detectCancel(cancelledElsewhere).subscribe({ error: (e) => seen.push(e) });
cancelledElsewhere.cancel('r');
assert.ok(seen[0] instanceof esm.ChildCancelled, 'detectCancel of one copy recognises the other copy’s task');
console.log('dist/index.mjs + dist/index.cjs: instanceof holds across copies');
