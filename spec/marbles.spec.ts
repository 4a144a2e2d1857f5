import { TestScheduler } from 'rxjs/testing';
import { caseEvents, parseMarble, type MarbleCase } from '../scripts/marbles/parse.cjs';
import { RULES } from '../scripts/marbles/rules.cjs';
import { loadMarbleFiles, MARBLE_DIR_FILES } from './marbles/load';
import { runCase } from './marbles/run-case';

/** The files issue 4 asks for, one per operator or concept. */
const REQUIRED_FILES = [
  'task.marbles',
  'subscribe.marbles',
  'detectCancel.marbles',
  'shield.marbles',
  'cancelWhen.marbles',
  'whenAllCancellable.marbles',
  'whenAnyCancellable.marbles',
];

const loaded = loadMarbleFiles();
const parsedCases: MarbleCase[] = loaded.flatMap((f) => (f.parsed ? f.parsed.cases : []));
let casesRun = 0;

describe('marbles/: the files', () => {
  it('has a file for every operator and concept', () => {
    expect(MARBLE_DIR_FILES.filter((name) => REQUIRED_FILES.includes(name)).sort()).toEqual([...REQUIRED_FILES].sort());
  });

  it.each(loaded.map((f) => [f.path, f] as const))('%s parses and holds at least one case', (_path, f) => {
    if (f.error) throw f.error;
    expect(f.parsed!.cases.length).toBeGreaterThan(0);
  });

  it('every case names only known contract rules in covers:', () => {
    const unknown = parsedCases.flatMap((c) =>
      c.covers.filter((id) => !(id in RULES)).map((id) => `${c.file}:${c.line} ${id}`),
    );
    expect(unknown).toEqual([]);
  });

  it('every row of the operator table and every combinator rule has at least one case', () => {
    const covered = new Set(parsedCases.flatMap((c) => c.covers));
    const missing = Object.entries(RULES)
      .filter(([id, rule]) => rule.required && !covered.has(id))
      .map(([id, rule]) => `${id}: ${rule.text}`);
    expect(missing).toEqual([]);
  });

  it('reads every timeline at the same frames as TestScheduler does', () => {
    const mismatches: string[] = [];
    // inside run(): one frame per character, as when the cases run
    new TestScheduler(() => undefined).run(() => {
      for (const c of parsedCases) {
        for (const t of c.timelines) {
          if (t.kind === 'throws') continue;
          const ours = parseMarble(t.marble, t.kind).events;
          if (t.kind === 'subscribe' || t.kind === 'subs') {
            const log = TestScheduler.parseMarblesAsSubscriptions(t.marble, true);
            const theirs = [log.subscribedFrame, log.unsubscribedFrame].filter((f) => f !== Infinity);
            if (JSON.stringify(ours.map((e) => e.frame)) !== JSON.stringify(theirs))
              mismatches.push(`${c.file}:${t.line}`);
          } else {
            const theirs = TestScheduler.parseMarbles(t.marble, undefined, undefined, undefined, true).map(
              (m) => m.frame,
            );
            if (JSON.stringify(ours.map((e) => e.frame)) !== JSON.stringify(theirs))
              mismatches.push(`${c.file}:${t.line}`);
          }
        }
      }
    });
    expect(mismatches).toEqual([]);
  });

  it('every case has events to draw', () => {
    expect(parsedCases.filter((c) => caseEvents(c).length === 0).map((c) => `${c.file}:${c.line}`)).toEqual([]);
  });
});

for (const f of loaded) {
  if (!f.parsed) continue;
  describe(f.path, () => {
    for (const c of f.parsed!.cases) {
      it(`${c.name} (line ${c.line})`, () => {
        casesRun++;
        runCase(c);
      });
    }
  });
}

describe('marbles/: bookkeeping', () => {
  // Declared last: jest runs the tests of a file in order, so every case above has run by now.
  it('ran every case of every file', () => {
    expect(loaded.every((f) => f.parsed !== undefined)).toBe(true);
    expect(parsedCases.length).toBeGreaterThan(0);
    expect(casesRun).toBe(parsedCases.length);
  });
});
