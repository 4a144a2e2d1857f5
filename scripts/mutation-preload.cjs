// Loaded (`node --require`) into StrykerJS's test runner processes by stryker.config.mjs. A mutant that makes RxJS
// report an error after the test that caused it has ended (rxjs throws it on a timer when no onUnhandledError is set)
// would kill the process; Stryker then restarts it twice, ≈ 15 s a mutant, and calls the mutant a runtime error.
// Here the process lives on, and the error is written to .tmp/stryker/uncaught.log with the active mutant's id: a
// mutant that survives but is listed there was seen by the suite (a plain jest run fails on such an error).
const { appendFileSync } = require('node:fs');
const { join } = require('node:path');

const log = join(__dirname, '..', '.tmp', 'stryker', 'uncaught.log');
process.on('uncaughtException', (error) => {
  const mutant = process.env.__STRYKER_ACTIVE_MUTANT__ ?? 'none';
  appendFileSync(log, `${mutant}\t${String(error && error.stack ? error.stack.split('\n')[0] : error)}\n`);
});
