// README's TypeScript examples compile against the package as it is: each ```ts block of README.md is type-checked
// as a module of its own (strict, like the package), so an example cannot drift from the API it shows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..');

/** The ```ts blocks of a Markdown file, with the line each starts on. */
function tsBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const fence = /^```ts\n([\s\S]*?)^```$/gm;
  for (let match = fence.exec(markdown); match !== null; match = fence.exec(markdown)) {
    blocks.push({ line: markdown.slice(0, match.index).split('\n').length, code: match[1] });
  }
  return blocks;
}

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
  const primary: Task<User>;
  const replica: Promise<User>;
  const dialog: { result$: Observable<Response> };
  const body: string;
  const url: string;
  const appShutdown: AbortController;
  const request: { signal: AbortSignal };
  const runMarbles: typeof RunMarbles;
  function render(...values: unknown[]): void;
  function renderAvatar(user: unknown): void;
}
`;

// An example without imports of its own is written as if it imported these.
const implicitImports = `
import { catchError, finalize, interval, of, take, throwError } from 'rxjs';
import {
  awaitTask, CancelledError, cancelWhen, ChildCancelled, detectCancel, linkSignals, shield, startTask, task, Task,
  whenAllCancellable, whenAnyCancellable,
} from 'rxjs-cancel';
`;

/** The example at README line `fence` as a module named after it: `README.md:<fence>.ts`. */
function example(fence: number, code: string): [string, string] {
  // the implicit imports go on the fence's line, so that the module's line numbers are README's
  const prefix = /^import /m.test(code) ? '' : implicitImports.replace(/\n/g, ' ');
  return [join(root, `README.md:${fence}.ts`), `${'\n'.repeat(fence - 1)}${prefix}\n${code}\nexport {};\n`];
}

/** Every diagnostic of a program made of `files` (name → text) and what they import, as `file:line: message`. */
function typeCheck(files: Map<string, string>): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
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

/** `README.md:<line>: ` for an example, `<path>:<line>: ` for another file, nothing for an option. */
function where({ file, start }: ts.Diagnostic): string {
  if (file === undefined) return '';
  const name = file.fileName.slice(root.length + 1).replace(/^(README\.md):\d+\.ts$/, '$1');
  return `${name}:${file.getLineAndCharacterOfPosition(start ?? 0).line + 1}: `;
}

describe("README's TypeScript examples", () => {
  const blocks = tsBlocks(readFileSync(join(root, 'README.md'), 'utf8'));

  it('are found: one block per export section and the marble test', () => {
    expect(blocks.length).toBe(12);
    expect(blocks[0].code).toContain("from 'rxjs-cancel'");
  });

  it('type-check against src/ with strict settings, each as its own module', () => {
    const files = new Map<string, string>([[join(root, 'readme-givens.d.ts'), givens]]);
    for (const { line, code } of blocks) files.set(...example(line, code));
    expect(typeCheck(files)).toEqual([]);
  }, 60_000);

  it('would catch an example that misuses the API', () => {
    const files = new Map<string, string>([
      [join(root, 'readme-givens.d.ts'), givens],
      example(30, "const job = task(of(1));\njob.cancel('r').then(() => {});"),
    ]);
    const errors = typeCheck(files);
    expect(errors).toHaveLength(1);
    expect(errors).toEqual(["README.md:32: Property 'then' does not exist on type 'boolean'."]);
  }, 60_000);
});
