// Module resolve hooks for spec/angular/scenario.mjs (registered there with `module.register`). Angular's packages
// are ES modules, which Module._resolveFilename (what spec/zone/scenario.cjs patches) never sees, so:
// - with `rxjsDir` set (RXJS_CANCEL_CHILD_RXJS: the absolute path of the rxjs the jest process runs, when it is not
//   the dev dependency), `rxjs` and `rxjs/*` resolve to that copy for every importer (Angular's, the package's, the
//   scenario's), as jest.rxjs-min.config.cjs maps them for the jest process. An ES module cannot import a directory,
//   so the copy is imported by its package name (`rxjs-min` for the pinned alias) from the folder that holds its
//   `node_modules`, and its own `exports` map applies;
// - a module loaded from a `data:` URL (the recipe's code, which the spec extracts from docs/recipes.md) resolves
//   its imports as if it stood beside the scenario, where `@angular/*`, `rxjs` and `rxjs-cancel` are found.
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

let rxjsName = '';
let rxjsParent = '';
let base = '';

export function initialize(data) {
  if (data.rxjsDir) {
    rxjsName = basename(data.rxjsDir);
    rxjsParent = pathToFileURL(join(dirname(dirname(data.rxjsDir)), 'importer.mjs')).href;
  }
  base = data.base;
}

export function resolve(specifier, context, nextResolve) {
  if (rxjsName && /^rxjs(\/|$)/.test(specifier)) {
    return nextResolve(rxjsName + specifier.slice(4), { ...context, parentURL: rxjsParent });
  }
  const parentURL = context.parentURL?.startsWith('data:') ? base : context.parentURL;
  return nextResolve(specifier, { ...context, parentURL });
}
