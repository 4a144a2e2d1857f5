// size-limit budgets (`npm run test:size`): min+gzip of dist/index.mjs as an app bundles it,
// rxjs external (a peer dependency: size-limit leaves peers out). Measured sizes: docs/packaging.md.
//
// One check for the whole package and one per export imported alone. The per-export budgets
// sit well below the whole package: a bundler keeps only what an import needs, so
// `import { detectCancel }` does not carry the combinators (scripts/check-package.mjs asserts
// that explicitly). Every export carries the core (Task, the errors, signal links, argument
// checks), about 3 kB of the total: task.ts ends with statements a bundler must keep
// (`brandClass(Task, …)`, the `_subscribe` install), so even `import { CancelledError }` keeps Task.
// The target of 2.5 kB for the whole package is not met: see docs/packaging.md.

/** @param {string} name @param {string} limit */
const alone = (name, limit) => ({
  name: `import { ${name} }`,
  path: 'dist/index.mjs',
  import: `{ ${name} }`,
  gzip: true,
  limit,
});

export default [
  { name: 'whole package (import *)', path: 'dist/index.mjs', import: '*', gzip: true, limit: '5.2 kB' },
  alone('CancelledError', '3.4 kB'),
  alone('ChildCancelled', '3.4 kB'),
  alone('Task', '3.4 kB'),
  alone('task', '3.4 kB'),
  alone('startTask', '3.4 kB'),
  alone('detectCancel', '3.5 kB'),
  alone('shield', '3.5 kB'),
  alone('cancelWhen', '3.55 kB'),
  alone('linkSignals', '3.55 kB'),
  alone('awaitTask', '3.75 kB'),
  alone('whenAllCancellable', '4.25 kB'),
  alone('whenAnyCancellable', '4.25 kB'),
];
