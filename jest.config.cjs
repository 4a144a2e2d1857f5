/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  // Silent unless the process outlives the run by 10 s (docs/packaging.md, "A jest run that does not exit").
  reporters: ['default', '<rootDir>/scripts/jest-exit-watch.cjs'],
};
