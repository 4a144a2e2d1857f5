// Module resolve hooks for spec/angular/scenario.mjs (registered there with `module.register`). Angular's packages
// are ES modules, which Module._resolveFilename (what spec/zone/scenario.cjs patches) never sees, so:
// - with `rxjsAlias` set (RXJS_CANCEL_ZONE_RXJS=rxjs-min), `rxjs` and `rxjs/*` resolve to that alias for every
//   importer (Angular's, the package's, the scenario's), as jest.rxjs-min.config.cjs maps them for the jest process;
// - a module loaded from a `data:` URL (the recipe's code, which the spec extracts from docs/recipes.md) resolves
//   its imports as if it stood beside the scenario, where `@angular/*`, `rxjs` and `rxjs-cancel` are found.
let rxjsAlias = '';
let base = '';

export function initialize(data) {
  rxjsAlias = data.rxjsAlias;
  base = data.base;
}

export function resolve(specifier, context, nextResolve) {
  const mapped = rxjsAlias && /^rxjs(\/|$)/.test(specifier) ? rxjsAlias + specifier.slice(4) : specifier;
  const parentURL = context.parentURL?.startsWith('data:') ? base : context.parentURL;
  return nextResolve(mapped, { ...context, parentURL });
}
