/**
 * Which rxjs and which Node the suites ran against. `npm run test:unit` uses the dev
 * dependency (7.8.x); `npm run test:rxjs-min` maps every `rxjs` import to
 * 7.4.0, the lowest version of the peer range, and sets RXJS_EXPECTED so that
 * a mapping that silently failed is caught here (`npm run test:rxjs-matrix`
 * does the same for every other release of the range). `npm run test:node26`, `npm run test:node24`,
 * `npm run test:node22` and `npm run test:node18` run the suite on Node 26, 24, 22
 * and 18 through npx and set NODE_EXPECTED to its major version.
 */
import { readFileSync } from 'node:fs';
import { Observable } from 'rxjs';

function versionOf(modulePath: string): string {
  return (JSON.parse(readFileSync(require.resolve(`${modulePath}/package.json`), 'utf8')) as { version: string })
    .version;
}

describe('the rxjs these suites run against', () => {
  it('is the expected version, and the package builds its tasks on that same copy', () => {
    const version = versionOf('rxjs');
    const expected = process.env.RXJS_EXPECTED;
    if (expected !== undefined) expect(version).toBe(expected);
    else expect(version).toMatch(/^7\.(\d+)\.\d+$/);
    // one copy of Observable for everyone: the package's tasks are Observables of the specs' rxjs
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package's own view of rxjs
    const { task } = require('../src') as typeof import('../src');
    expect(task(new Observable<number>(() => undefined))).toBeInstanceOf(Observable);
  });
});

describe('the Node these suites run on', () => {
  it('is the expected major version when a script asks for one, and at least the lowest that package.json accepts', () => {
    const major = Number(process.versions.node.split('.')[0]);
    const expected = process.env.NODE_EXPECTED;
    if (expected !== undefined) expect(major).toBe(Number(expected));
    const engines = (JSON.parse(readFileSync(`${__dirname}/../package.json`, 'utf8')) as { engines: { node: string } })
      .engines.node;
    expect(engines).toMatch(/^>=\d+$/);
    expect(major).toBeGreaterThanOrEqual(Number(engines.slice(2)));
  });
});
