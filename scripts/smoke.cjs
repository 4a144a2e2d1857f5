'use strict';
// Loads the built CommonJS file the ways a CJS user would, and runs the seed scenario.
const assert = require('node:assert/strict');
const path = require('node:path');
const { runSeedScenario } = require('./seed-scenario.cjs');

const root = path.resolve(__dirname, '..');
const byName = require('rxjs-cancel'); // the exports map, "require" condition
const byFolder = require(root); // "main", for tools that ignore "exports"
assert.equal(byName, byFolder, 'require("rxjs-cancel") and require(<package folder>) load the same file');
assert.equal(require.resolve('rxjs-cancel'), path.join(root, 'dist', 'index.cjs'));
runSeedScenario(byName, 'dist/index.cjs').catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
