// The ```ts blocks of the documentation, which spec/examples.spec.ts type-checks and spec/angular.spec.ts runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

/** An example: the file it stands in, the line of its opening fence, and its code. */
export interface Example {
  file: string;
  fence: number;
  code: string;
}

/** The ```ts blocks of a Markdown file, or of a TypeScript file's doc comments (their ` * ` taken off). */
export function examplesIn(file: string): Example[] {
  const text = readFileSync(join(root, file), 'utf8');
  const markdown = file.endsWith('.md') ? text : text.replace(/^ *\* ?/gm, '');
  const examples: Example[] = [];
  const fence = /^```ts\n([\s\S]*?)^```$/gm;
  for (let match = fence.exec(markdown); match !== null; match = fence.exec(markdown)) {
    examples.push({ file, fence: markdown.slice(0, match.index).split('\n').length, code: match[1] });
  }
  return examples;
}
