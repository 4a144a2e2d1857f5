import { MarbleFileError, parseMarbleFile } from '../scripts/marbles/parse.cjs';
import { MarbleCaseError, runCase } from './marbles/run-case';

const FILE = 'marbles/bad.marbles';

/** A file with one case "c" whose body starts on line 6. */
function file(body: string, header = 'case: c\nabout: a case\ncovers: task.lazy'): string {
  return `title: t\n\n${header}\n${body}\n`;
}

function parseError(text: string): MarbleFileError {
  try {
    parseMarbleFile(text, FILE);
  } catch (error) {
    if (error instanceof MarbleFileError) return error;
    throw error;
  }
  throw new Error('expected the file to be rejected');
}

const GOOD = `
  child = task(s)
  out = child
  cold s        --a--|
  cancel child  ---X
  expect out    --a#
  subs s        ^--!
  #: CancelledError(child, 'X')`;

describe('marble files: the parser accepts', () => {
  it('a well-formed case, and reads its names, timelines and keys', () => {
    const parsed = parseMarbleFile(file(GOOD), FILE);
    expect(parsed.title).toBe('t');
    expect(parsed.cases).toHaveLength(1);
    const [c] = parsed.cases;
    expect(c!.name).toBe('c');
    expect(c!.kinds).toEqual({ s: 'cold', child: 'task', out: 'expr' });
    expect(c!.timelines.map((t) => `${t.kind} ${t.name} @${t.line}`)).toEqual([
      'cold s @9',
      'cancel child @10',
      'expect out @11',
      'subs s @12',
    ]);
    expect(c!.timelines[1]!.events).toMatchObject([
      { frame: 3, kind: 'action', value: { type: 'literal', value: 'X' } },
    ]);
  });
});

describe('marble files: a malformed file fails with an error naming the file, the case and the line', () => {
  it.each([
    [
      'no title',
      file(GOOD).replace('title: t\n', ''),
      2,
      undefined,
      "the file needs a 'title:' line before the first case",
    ],
    ['no title and no case', '// nothing\n', 1, undefined, "the file needs a 'title:' line at the top"],
    ['no case', 'title: t\n// nothing here\n', 2, undefined, 'the file has no case'],
    ['a line before the first case', 'title: t\ncold s --|\n', 2, undefined, "expected 'title:', 'about:', 'case:'"],
    [
      'a misspelt line kind',
      file(GOOD.replace('cancel child  ---X', 'cancle child  ---X')),
      10,
      'c',
      "unknown line kind 'cancle' (did you mean 'cancel'?)",
    ],
    ['a line that is nothing', file(`${GOOD}\n  what is this?`), 14, 'c', 'cannot read "what is this?"'],
    [
      'misaligned marbles',
      file(GOOD.replace('expect out    --a#', 'expect out     --a#')),
      11,
      'c',
      'frame 0 is in column 18, but in column 17 on line 9',
    ],
    [
      'a # without an error key',
      file(GOOD.replace("  #: CancelledError(child, 'X')", '')),
      11,
      'c',
      "expect out uses '#'",
    ],
    [
      'an undefined name',
      file(GOOD.replace('cancel child  ---X', 'cancel ghost  ---X')),
      10,
      'c',
      "'ghost' is not defined in this case",
    ],
    [
      'cancelling something that is not a task',
      file(GOOD.replace('cancel child  ---X', 'cancel s      ---X')),
      10,
      'c',
      "'s' is a cold source, but 'cancel s' needs a task",
    ],
    [
      'a source without its subscription log',
      file(GOOD.replace('  subs s        ^--!', '')),
      9,
      'c',
      "source s has no 'subs s' line",
    ],
    [
      'an unclosed group',
      file(GOOD.replace('cold s        --a--|', 'cold s        --(a-|')),
      9,
      'c',
      'the group opened at frame 2 is not closed',
    ],
    [
      'an unsubscription in a cold line',
      file(GOOD.replace('cold s        --a--|', 'cold s        --a-!|')),
      9,
      'c',
      "'!' does not belong in a cold line",
    ],
    [
      'something after the end',
      file(GOOD.replace('cold s        --a--|', 'cold s        --|-a')),
      9,
      'c',
      "nothing can happen after '|' (frame 2), found 'a'",
    ],
    ['a subscribe line without ^', file(`${GOOD}\n  subscribe out ----`), 14, 'c', "a subscribe line needs '^'"],
    [
      'a time progression at the end of a line',
      file(GOOD.replace('cancel child  ---X', 'cancel child  X 10ms')),
      10,
      'c',
      "time progression '10ms' must be followed by a space",
    ],
    [
      'an unknown operator',
      file(GOOD.replace('out = child', 'out = child.pipe(map())')),
      8,
      'c',
      "unknown operator 'map'",
    ],
    [
      'a task option that does not exist',
      file(GOOD.replace('child = task(s)', "child = task(s, { name: 'x' })")),
      7,
      'c',
      'a task is named after its variable',
    ],
    [
      'a value that does not parse',
      file(GOOD.replace("#: CancelledError(child, 'X')", "#: CancelledError(child, 'X)")),
      13,
      'c',
      'unterminated string',
    ],
    [
      'an unknown error class',
      file(GOOD.replace("#: CancelledError(child, 'X')", "#: Cancelled(child, 'X')")),
      13,
      'c',
      "unknown error class 'Cancelled'",
    ],
    [
      'an error written in the constructor order (reason first)',
      file(GOOD.replace("#: CancelledError(child, 'X')", "#: CancelledError('X', child)")),
      13,
      'c',
      'CancelledError(task, reason): the task comes first in a marble file (the constructor takes (reason, task))',
    ],
    [
      'a ChildCancelled written reason first',
      file(GOOD.replace("#: CancelledError(child, 'X')", "#: ChildCancelled('X', child)")),
      13,
      'c',
      'ChildCancelled(task, reason): the task comes first in a marble file (in code: new ChildCancelled(new CancelledError(reason, task)))',
    ],
    [
      'an error with more than a task and a reason',
      file(GOOD.replace("#: CancelledError(child, 'X')", "#: CancelledError(child, 'X', 'Y')")),
      13,
      'c',
      'CancelledError(task, reason) takes at most a task and a reason',
    ],
    // From a mutation audit: the reason-first message is for exactly a reason then a task; any other surplus is
    // reported as such
    [
      'an error with two reasons and no task',
      file(GOOD.replace("#: CancelledError(child, 'X')", "#: CancelledError('X', 'Y')")),
      13,
      'c',
      'CancelledError(task, reason) takes at most a task and a reason',
    ],
    [
      'an error with a task, a reason, then a task again (the task did come first)',
      file(GOOD.replace("#: CancelledError(child, 'X')", "#: CancelledError(child, 'X', child)")),
      13,
      'c',
      'CancelledError(task, reason) takes at most a task and a reason',
    ],
    [
      'an error with a reason, a task and one more argument',
      file(GOOD.replace("#: CancelledError(child, 'X')", "#: ChildCancelled('X', child, 'Y')")),
      13,
      'c',
      'ChildCancelled(task, reason) takes at most a task and a reason',
    ],
    ['a key no line uses', file(`${GOOD}\n  Y: 'unused'`), 14, 'c', "the key 'Y' is not used by any timeline"],
    ['a key defined twice', file(`${GOOD}\n  #: Error('again')`), 14, 'c', "'#' is defined twice"],
    [
      'a subscribe line without an expect line',
      file(GOOD.replace('expect out    --a#', 'subscribe out ^---')),
      11,
      'c',
      "consumer out has a subscribe line but no 'expect out' line",
    ],
    [
      'a case without an expect line',
      file(GOOD.replace('  expect out    --a#', '').replace("  #: CancelledError(child, 'X')", '')),
      3,
      'c',
      "the case has no 'expect' line",
    ],
    ['a name defined but not used', file(`${GOOD}\n  spare = child`), 14, 'c', "'spare' is defined but not used"],
    ['a case without about', file(GOOD, 'case: c\ncovers: task.lazy'), 3, 'c', "the case needs an 'about:' line"],
    ['a case without covers', file(GOOD, 'case: c\nabout: a'), 3, 'c', "the case needs a 'covers:' line"],
    ['two cases with one name', file(`${GOOD}\n\ncase: c\nabout: again`), 15, 'c', 'a second case named "c"'],
    [
      'a signal option that loops',
      file(
        GOOD.replace(
          'child = task(s)',
          'child = task(s, { signal: other.signal })\n  other = task(s, { signal: child.signal })',
        ),
      ),
      7,
      'c',
      'the signal options loop: child → other → child',
    ],
  ] as const)('%s', (_what, text, line, caseName, detail) => {
    const error = parseError(text);
    expect(error.file).toBe(FILE);
    expect(error.line).toBe(line);
    expect(error.caseName).toBe(caseName);
    expect(error.detail).toContain(detail);
    expect(error.message).toBe(`${FILE}:${line}${caseName ? ` (case "${caseName}")` : ''}: ${error.detail}`);
  });
});

describe('marble files: a case whose expectation is wrong', () => {
  function failure(text: string): MarbleCaseError {
    const [c] = parseMarbleFile(text, FILE).cases;
    try {
      runCase(c!);
    } catch (error) {
      if (error instanceof MarbleCaseError) return error;
      throw error;
    }
    throw new Error('expected the case to fail');
  }

  it('names the file, the line and the case, and shows what happened as a marble', () => {
    const error = failure(file(GOOD.replace('expect out    --a#', 'expect out    --a-#')));
    expect(error.message).toContain(`${FILE}:11 (case "c"): expect out does not match`);
    expect(error.message).toContain("expected: --a-#   (#: CancelledError(child, 'X'))");
    expect(error.message).toContain("actual:   --a#   (#: CancelledError(child, 'X'))");
  });

  it('reports a wrong error class with the class that arrived', () => {
    const error = failure(file(GOOD.replace("#: CancelledError(child, 'X')", "#: ChildCancelled(child, 'X')")));
    expect(error.message).toContain("actual:   --a#   (#: CancelledError(child, 'X'))");
  });

  it('reports a wrong subscription log with the log that happened', () => {
    const error = failure(file(GOOD.replace('subs s        ^--!', 'subs s        ^---!')));
    expect(error.message).toContain(`${FILE}:12 (case "c"): subs s (the subscription log of s) does not match`);
    expect(error.message).toContain('actual:   ^--!');
  });

  it('reports a missing throw', () => {
    const text = file(`
  out = whenAnyCancellable([s])
  cold s        -|
  subs s        ^!
  throws out    TypeError('no')`);
    const [c] = parseMarbleFile(text, FILE).cases;
    expect(() => runCase(c!)).toThrow(`${FILE}:10 (case "c"): out was expected to throw TypeError('no') but did not`);
  });
});
