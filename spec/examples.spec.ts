// The documentation's TypeScript examples compile against the package as it is: each ```ts block of README.md and
// docs/recipes.md and each `@example` of the JSDoc in src/ (which TypeDoc shows) is type-checked as a module of its own (strict, like the
// package), so an example cannot drift from the API it shows.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NEVER } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import ts from 'typescript';
import { CancelledError, ChildCancelled, detectCancel, task } from '../src';
import { type Example, examplesIn } from './docExamples';

const root = join(__dirname, '..');

// What the examples take as given: the things they act on, declared once for all of them.
const givens = `
import type { Observable } from 'rxjs';
import type { Task } from 'rxjs-cancel';
import type { runMarbles as RunMarbles } from './spec/helpers';
declare global {
  interface User { name: string }
  interface Settings { theme: string }
  const user: Task<User>;
  const settings: Task<Settings>;
  const child: Task<string>;
  const page: Task<void>;
  const parent: Task<unknown>;
  const source: Observable<string>;
  const primary: Task<User>;
  const replica: Promise<User>;
  const fromPrimary: Task<User>;
  const fromReplica: Observable<User>;
  const dialog: { result$: Observable<Response> };
  let dialogResult$: Observable<Response>;
  const body: string;
  const url: string;
  const appShutdown: AbortController;
  const request: { signal: AbortSignal };
  const runMarbles: typeof RunMarbles;
  function render(...values: unknown[]): void;
  function renderAvatar(user: unknown): void;
}
`;

// The recipes' `./user` (docs/recipes.md's Angular component and retry; their `@angular/*` imports are the installed
// Angular's, which spec/angular.spec.ts runs them on).
const userModule: [string, string] = [join(root, 'docs', 'user.ts'), 'export type User = globalThis.User;'];

// An example without imports of its own is written as if it imported these.
const implicitImports = `
import { catchError, finalize, interval, of, take, throwError } from 'rxjs';
import {
  awaitTask, CancelledError, cancelWhen, ChildCancelled, detectCancel, linkSignals, shield, startTask, task, Task,
  whenAllCancellable, whenAnyCancellable,
} from 'rxjs-cancel';
`;

/** An example as a module named after where it stands: `<file>:<fence>.ts`, its lines numbered as there. */
function asModule({ file, fence, code }: Example): [string, string] {
  // the implicit imports go on the fence's line
  const prefix = /^import /m.test(code) ? '' : implicitImports.replace(/\n/g, ' ');
  return [join(root, `${file}:${fence}.ts`), `${'\n'.repeat(fence - 1)}${prefix}\n${code}\nexport {};\n`];
}

const givensModule: [string, string] = [join(root, 'examples-givens.d.ts'), givens];

/** Every diagnostic of a program made of `files` (name → text) and what they import, as `file:line: message`. */
function typeCheck(files: Map<string, string>): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts'], // with Node's types for fetch and AbortSignal: DOM's globals (`parent`, `name`) would shadow the givens
    types: ['node', 'jest'], // spec/helpers.ts, which gives the marble example runMarbles, uses jest's expect
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    paths: { 'rxjs-cancel': [join(root, 'src', 'index.ts')] },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => files.get(name) ?? readFile(name);
  host.fileExists = (name) => files.has(name) || ts.sys.fileExists(name);
  host.getSourceFile = (name, version, onError, create) => {
    const text = files.get(name);
    return text !== undefined
      ? ts.createSourceFile(name, text, version)
      : getSourceFile(name, version, onError, create);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${where(d)}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

/** `<file>:<line>: `, the line where the error stands in the file (for an example, in the file it stands in). */
function where({ file, start }: ts.Diagnostic): string {
  if (file === undefined) return '';
  const name = file.fileName.slice(root.length + 1).replace(/:\d+\.ts$/, '');
  return `${name}:${file.getLineAndCharacterOfPosition(start ?? 0).line + 1}: `;
}

describe("the documentation's TypeScript examples", () => {
  const readme = examplesIn('README.md');
  const recipes = examplesIn('docs/recipes.md');
  const jsDoc = readdirSync(join(root, 'src'))
    .sort()
    .flatMap((name) => examplesIn(`src/${name}`));

  it("are found: one in README per export's section and the marble test, the job-queue, Angular, retry, toSignal(), resource(), zoneless whenStable() and marble-test recipes, one in the JSDoc of every export", () => {
    expect(readme).toHaveLength(12);
    expect(readme[0].code).toContain("from 'rxjs-cancel'");
    expect(recipes.map(({ code }) => /^export (?:class|const|async function) (\w+)/m.exec(code)?.[1])).toEqual([
      'runJob',
      'UserPage',
      'userWithRetry',
      'UserName',
      'UserCard',
      'startPendingTask',
      'cancellationScheduler',
    ]);
    expect(jsDoc.map(({ file }) => file)).toEqual([
      'src/awaitTask.ts',
      'src/cancelWhen.ts',
      'src/detectCancel.ts',
      'src/errors.ts',
      'src/errors.ts',
      'src/linkSignals.ts',
      'src/shield.ts',
      'src/task.ts',
      'src/task.ts',
      'src/task.ts',
      'src/task.ts',
      'src/whenAllCancellable.ts',
      'src/whenAnyCancellable.ts',
    ]);
  });

  it('type-check against src/ with strict settings, each as its own module', () => {
    expect(typeCheck(new Map([givensModule, userModule, ...[...readme, ...recipes, ...jsDoc].map(asModule)]))).toEqual(
      [],
    );
  }, 60_000);

  it('would report an example that misuses the API, at its line in the file it stands in', () => {
    const misuse = {
      file: 'src/task.ts',
      fence: 30,
      code: "const job = task(of(1));\njob.cancel('r').then(() => {});",
    };
    expect(typeCheck(new Map([givensModule, asModule(misuse)]))).toEqual([
      "src/task.ts:32: Property 'then' does not exist on type 'boolean'.",
    ]);
  }, 60_000);
  it("docs/recipes.md's marble scheduler runs its own test, and fails one that expects the wrong task or class", () => {
    const recipe = recipes.find(({ code }) => code.includes('cancellationScheduler'))!;
    const js = ts.transpileModule(recipe.code, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const exports: { cancellationScheduler?: () => TestScheduler } = {};
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the recipe's imports, with rxjs-cancel being src/
    const load = (name: string): unknown => require(name === 'rxjs-cancel' ? '../src' : name);
    // runs the recipe as written: its own marble test throws if it fails
    new Function('require', 'exports', js)(load, exports);
    const expectingChildOf = (expected: unknown) => () => {
      const scheduler = exports.cancellationScheduler!();
      scheduler.run(({ cold, expectObservable }) => {
        const child = task(cold('-a-b------'), { name: 'child' });
        scheduler.schedule(() => child.cancel('r'), 5);
        expectObservable(child.pipe(detectCancel())).toBe('-a-b-#', undefined, expected);
      });
    };
    const named = (name: string) => task(NEVER, { name });
    expect(expectingChildOf(new ChildCancelled(new CancelledError('r', named('child'))))).not.toThrow();
    expect(expectingChildOf(new ChildCancelled(new CancelledError('r', named('other'))))).toThrow();
    expect(expectingChildOf(new ChildCancelled(new CancelledError('other reason', named('child'))))).toThrow();
    expect(expectingChildOf(new CancelledError('r', named('child')))).toThrow();
  });
});
