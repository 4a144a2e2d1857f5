import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMarbleFile, type MarbleCase, type Timeline } from '../scripts/marbles/parse.cjs';
import { loadMarbleFiles, ROOT } from './marbles/load';
import { MarbleCaseError, runCase } from './marbles/run-case';

/**
 * Every expected frame matters: moving any one notification of an `expect`
 * line, or the `^` or `!` of a `subs` line, one frame later or earlier makes
 * its case fail. (A case whose expectation could move without failing would
 * be a test that cannot fail.) Inputs (`cold`, `hot`, actions, `subscribe`)
 * are not expectations: moving the consumer's `!` through shield() rightly
 * changes nothing.
 */
interface Mutation {
  file: string;
  caseName: string;
  line: number;
  text: string;
  describe: string;
}

function mutations(c: MarbleCase, fileText: string): Mutation[] {
  const lines = fileText.split('\n');
  const result: Mutation[] = [];
  const checked: Timeline[] = c.timelines.filter((t) => t.kind === 'expect' || t.kind === 'subs');
  for (const t of checked) {
    const seen = new Set<number>();
    for (const e of t.events) {
      // insert one '-' before the event (before its group, if it is in one): that event and the later ones move by a frame
      const open = t.marble.lastIndexOf('(', e.index);
      const close = t.marble.lastIndexOf(')', e.index);
      const at = open > close ? open : e.index;
      if (seen.has(at)) continue;
      seen.add(at);
      const variants = [{ marble: `${t.marble.slice(0, at)}-${t.marble.slice(at)}`, how: 'later' }];
      // and one frame earlier, where a '-' precedes it
      if (t.marble[at - 1] === '-')
        variants.push({ marble: `${t.marble.slice(0, at - 1)}${t.marble.slice(at)}`, how: 'earlier' });
      for (const { marble, how } of variants) {
        const mutated = [...lines];
        mutated[t.line - 1] = `${lines[t.line - 1]!.slice(0, t.column)}${marble}`;
        result.push({
          file: c.file,
          caseName: c.name,
          line: t.line,
          text: mutated.join('\n'),
          describe: `${c.file}:${t.line} ${t.kind} ${t.name} ${t.marble} → ${marble} (${how})`,
        });
      }
    }
  }
  return result;
}

const all: Mutation[] = [];
for (const f of loadMarbleFiles()) {
  if (!f.parsed) continue;
  const text = readFileSync(join(ROOT, f.path), 'utf8');
  for (const c of f.parsed.cases) all.push(...mutations(c, text));
}

describe('marbles/: every expected frame is checked', () => {
  it('there are frames to move', () => {
    expect(all.length).toBeGreaterThan(100);
  });

  it('moving any single expected frame one frame later or earlier makes its case fail', () => {
    const survivors: string[] = [];
    for (const m of all) {
      const mutated = parseMarbleFile(m.text, m.file).cases.find((c) => c.name === m.caseName)!;
      try {
        runCase(mutated);
        survivors.push(m.describe);
      } catch (error) {
        if (!(error instanceof MarbleCaseError)) throw error;
      }
    }
    expect(survivors).toEqual([]);
  });
});
