// The unit suites again, against the lowest rxjs the peer range allows (^7.4.0): `npm run test:rxjs-min`.
// rxjs 7.4.0 is installed as `rxjs-min` (an npm alias, pinned in package.json) and every `rxjs` import,
// the package's, the specs' and rxjs-marbles', resolves to it. spec/peer.spec.ts checks which one ran.
const base = require('./jest.config.cjs');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  moduleNameMapper: {
    '^rxjs$': '<rootDir>/node_modules/rxjs-min',
    '^rxjs/(.*)$': '<rootDir>/node_modules/rxjs-min/$1',
  },
};
