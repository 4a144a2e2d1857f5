// The unit suites again, against the lowest rxjs the peer range allows (^7.4.0): `npm run test:rxjs-min`.
// rxjs 7.4.0 is installed as `rxjs-min` (an npm alias, pinned in package.json) and every `rxjs` import,
// the package's, the specs' and rxjs-marbles', resolves to it. spec/peer.spec.ts checks which one ran.
// RXJS_DIR (an absolute path to an installed `rxjs` folder) maps them to that copy instead: scripts/rxjs-matrix.mjs
// runs the suites so against every other rxjs release of the peer range.
const base = require('./jest.config.cjs');

const rxjs = process.env.RXJS_DIR || '<rootDir>/node_modules/rxjs-min';

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  moduleNameMapper: {
    '^rxjs$': rxjs,
    '^rxjs/(.*)$': `${rxjs}/$1`,
  },
};
