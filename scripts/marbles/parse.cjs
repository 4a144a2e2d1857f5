'use strict';
/**
 * Parser for the marble files in `marbles/` (format: marbles/README.md).
 *
 * Plain CommonJS so that both the docs CLI (`node scripts/marbles/cli.mjs`)
 * and the jest specs (ts-jest, CommonJS) can load it without a build step.
 * Types: parse.d.cts.
 */

/** Every problem in a marble file: names the file, the line and the case. */
class MarbleFileError extends Error {
  constructor(file, line, caseName, detail) {
    super(`${file}:${line}${caseName ? ` (case "${caseName}")` : ''}: ${detail}`);
    this.name = 'MarbleFileError';
    this.file = file;
    this.line = line;
    this.caseName = caseName;
    this.detail = detail;
  }
}

/** What each timeline kind may contain. */
const TIMELINE_KINDS = {
  cold: { notifications: true, hotCaret: false, subscription: false, actions: false },
  hot: { notifications: true, hotCaret: true, subscription: false, actions: false },
  expect: { notifications: true, hotCaret: false, subscription: false, actions: false },
  cancel: { notifications: false, hotCaret: false, subscription: false, actions: true },
  abort: { notifications: false, hotCaret: false, subscription: false, actions: true },
  start: { notifications: false, hotCaret: false, subscription: false, actions: true },
  subscribe: { notifications: false, hotCaret: false, subscription: true, actions: false },
  subs: { notifications: false, hotCaret: false, subscription: true, actions: false },
};
const LINE_KINDS = [...Object.keys(TIMELINE_KINDS), 'throws'];
const DIRECTIVES = ['title', 'about', 'case', 'covers'];

const IDENT = '[A-Za-z_$][\\w$]*';
const RE_TIMELINE = new RegExp(`^(${LINE_KINDS.join('|')})\\s+(${IDENT})(?:(\\s+)(.*))?$`);
const RE_DIRECTIVE = /^([a-z]+):(?:\s+(.*))?$/;
const RE_KEY = new RegExp(`^(?:(${IDENT})\\s+)?([^\\s:]):(?:\\s+(.*))?$`);
const RE_DECL = new RegExp(`^(${IDENT})\\s*=\\s*(.*)$`);
const RE_TWO_WORDS = new RegExp(`^(${IDENT})\\s+(${IDENT})\\b`);

// ---------------------------------------------------------------------------
// Marble strings

/**
 * Parses one marble string the way `TestScheduler.run` does (one frame per
 * character, spaces ignored, `10ms ` time progression), and checks that it
 * only uses what its kind of line allows.
 *
 * @returns {{ events: object[], frameZeroIndex: number, end: number }}
 *   `frameZeroIndex`: index in the string of frame 0 (the `^` of a hot line);
 *   `end`: the frame after the last character.
 * @throws {string} a message without location (the caller adds it)
 */
function parseMarble(marble, kind) {
  const rules = TIMELINE_KINDS[kind];
  const chars = [...marble];
  const events = [];
  let frame = 0;
  let groupStart = -1;
  let groupSize = 0;
  let terminal = null;
  let caret = -1;
  let unsub = false;
  let frameZeroIndex = 0;
  if (kind === 'hot') {
    // TestScheduler counts the characters before '^' (after leading spaces) as negative frames.
    const index = marble.replace(/^[ ]+/, '').indexOf('^');
    if (index > 0) frame = -index;
    frameZeroIndex = index < 0 ? 0 : marble.length - marble.replace(/^[ ]+/, '').length + index;
  }
  const at = () => (groupStart > -1 ? groupStart : frame);
  const push = (event) => {
    if (terminal !== null && rules.notifications) {
      throw `nothing can happen after '${terminal.char}' (frame ${terminal.frame}), found '${event.char}'`;
    }
    events.push(event);
    if (groupStart > -1) groupSize++;
  };
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === ' ') continue;
    if (c === '-') {
      frame++;
    } else if (c === '(') {
      if (groupStart > -1) throw `groups cannot nest: '(' inside the group opened at frame ${groupStart}`;
      groupStart = frame;
      groupSize = 0;
      frame++;
    } else if (c === ')') {
      if (groupStart === -1) throw `')' without a matching '('`;
      if (groupSize === 0) throw `empty group '()' at frame ${groupStart}`;
      groupStart = -1;
      frame++;
    } else if (c === '|' || c === '#') {
      if (!rules.notifications) throw `'${c}' does not belong in a ${kind} line (${allowedText(kind)})`;
      push({ frame: at(), char: c, kind: c === '|' ? 'complete' : 'error', index: i });
      terminal = { char: c, frame: at() };
      frame++;
    } else if (c === '^') {
      if (rules.hotCaret) {
        if (caret > -1) throw `a second '^' (a hot observable has one subscription point)`;
        caret = i;
      } else if (rules.subscription) {
        if (caret > -1) throw `a second '^': one subscribe line has one subscription (write another line for another)`;
        caret = i;
        events.push({ frame: at(), char: c, kind: 'subscribe', index: i });
        if (groupStart > -1) groupSize++;
      } else {
        throw `'^' does not belong in a ${kind} line (${allowedText(kind)})`;
      }
      frame++;
    } else if (c === '!') {
      if (!rules.subscription) throw `'!' does not belong in a ${kind} line (${allowedText(kind)})`;
      if (caret === -1) throw `'!' before '^': unsubscribing needs a subscription first`;
      if (unsub) throw `a second '!'`;
      unsub = true;
      events.push({ frame: at(), char: c, kind: 'unsubscribe', index: i });
      if (groupStart > -1) groupSize++;
      // like TestScheduler: '!' does not advance time
    } else if (
      /[0-9]/.test(c) &&
      (i === 0 || chars[i - 1] === ' ') &&
      /^[0-9]+(?:\.[0-9]+)?(?:ms|s|m)(?: |$)/.test(chars.slice(i).join(''))
    ) {
      const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)( |$)/.exec(chars.slice(i).join(''));
      if (match[3] !== ' ')
        throw `time progression '${match[1]}${match[2]}' must be followed by a space (RxJS reads it as values otherwise)`;
      const ms = parseFloat(match[1]) * (match[2] === 'ms' ? 1 : match[2] === 's' ? 1000 : 60000);
      if (!Number.isInteger(ms)) throw `time progression '${match[1]}${match[2]}' is not a whole number of frames`;
      frame += ms;
      i += match[0].length - 1;
    } else if (/[A-Za-z0-9]/.test(c)) {
      if (rules.notifications) push({ frame: at(), char: c, kind: 'next', index: i });
      else if (rules.actions) push({ frame: at(), char: c, kind: 'action', index: i });
      else throw `'${c}' does not belong in a ${kind} line (${allowedText(kind)})`;
      frame++;
    } else {
      throw `unexpected character '${c}' (${allowedText(kind)})`;
    }
  }
  if (groupStart > -1) throw `the group opened at frame ${groupStart} is not closed with ')'`;
  if (kind === 'subscribe' && caret === -1) throw `a subscribe line needs '^' where the consumer subscribes`;
  if (rules.actions && events.length === 0)
    throw `a ${kind} line needs at least one mark (a letter) at the frame of the action`;
  return { events, frameZeroIndex, end: frame };
}

function allowedText(kind) {
  const rules = TIMELINE_KINDS[kind];
  if (rules.notifications)
    return `it takes - ( ) letters digits | #${rules.hotCaret ? ' ^' : ''} and time progressions like '10ms '`;
  if (rules.actions) return `it takes - ( ) and a letter at each frame where the action happens`;
  return `it takes - ( ) ^ !`;
}

// ---------------------------------------------------------------------------
// Tokens, values and expressions

const PUNCT = new Set(['(', ')', '[', ']', '{', '}', ',', ':', '.', '-']);

/** @throws {string} */
function tokenize(text) {
  const tokens = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(text.slice(i));
      tokens.push({ t: 'id', v: m[0], pos: i });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(?:\.[0-9]+)?/.exec(text.slice(i));
      tokens.push({ t: 'num', v: Number(m[0]), pos: i });
      i += m[0].length;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) {
          const e = text[j + 1];
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else {
          value += text[j++];
        }
      }
      if (j >= text.length) throw `unterminated string starting at column ${i + 1}`;
      tokens.push({ t: 'str', v: value, pos: i });
      i = j + 1;
    } else if (PUNCT.has(c)) {
      tokens.push({ t: 'punct', v: c, pos: i });
      i++;
    } else {
      throw `unexpected character '${c}' at column ${i + 1}`;
    }
  }
  return tokens;
}

class TokenStream {
  constructor(text) {
    this.text = text;
    this.tokens = tokenize(text);
    this.i = 0;
  }
  peek(offset = 0) {
    return this.tokens[this.i + offset];
  }
  next() {
    return this.tokens[this.i++];
  }
  is(v, offset = 0) {
    const t = this.peek(offset);
    return t !== undefined && (t.t === 'punct' || t.t === 'id') && t.v === v;
  }
  where() {
    const t = this.peek();
    return t === undefined ? 'at the end' : `at column ${t.pos + 1} ('${this.text.slice(t.pos, t.pos + 12)}')`;
  }
  expect(v, what) {
    if (!this.is(v)) throw `expected '${v}'${what ? ` ${what}` : ''} ${this.where()}`;
    return this.next();
  }
  ident(what) {
    const t = this.peek();
    if (t === undefined || t.t !== 'id') throw `expected ${what} ${this.where()}`;
    return this.next().v;
  }
  end(what) {
    if (this.peek() !== undefined) throw `unexpected ${this.where()} after ${what}`;
  }
}

const ERROR_CLASSES = ['Error', 'TypeError', 'RangeError', 'CancelledError', 'ChildCancelled'];

/**
 * A value in a key block: a JS-like literal (strings, numbers, true, false,
 * null, undefined, arrays, objects) or an error description.
 * @throws {string}
 */
function parseValue(text) {
  const s = new TokenStream(text);
  if (s.peek() === undefined) throw 'expected a value after the colon';
  const value = readValue(s);
  s.end('the value');
  return value;
}

function readValue(s) {
  const t = s.peek();
  if (t === undefined) throw `expected a value ${s.where()}`;
  if (t.t === 'str') {
    s.next();
    return { type: 'literal', value: t.v };
  }
  if (t.t === 'num') {
    s.next();
    return { type: 'literal', value: t.v };
  }
  if (s.is('-') && s.peek(1) && s.peek(1).t === 'num') {
    s.next();
    return { type: 'literal', value: -s.next().v };
  }
  if (s.is('[')) {
    s.next();
    const items = [];
    while (!s.is(']')) {
      items.push(readValue(s));
      if (!s.is(']')) s.expect(',', 'between array items');
    }
    s.next();
    return { type: 'array', items };
  }
  if (s.is('{')) {
    s.next();
    const entries = [];
    while (!s.is('}')) {
      const k = s.peek();
      if (k === undefined || (k.t !== 'id' && k.t !== 'str')) throw `expected a property name ${s.where()}`;
      s.next();
      s.expect(':', 'after a property name');
      entries.push([k.v, readValue(s)]);
      if (!s.is('}')) s.expect(',', 'between properties');
    }
    s.next();
    return { type: 'object', entries };
  }
  if (t.t === 'id') {
    if (t.v === 'true' || t.v === 'false') return (s.next(), { type: 'literal', value: t.v === 'true' });
    if (t.v === 'null') return (s.next(), { type: 'literal', value: null });
    if (t.v === 'undefined') return (s.next(), { type: 'literal', value: undefined });
    if (t.v === 'new' && s.peek(1) && ERROR_CLASSES.includes(s.peek(1).v)) s.next();
    const name = s.peek().v;
    if (ERROR_CLASSES.includes(name)) {
      s.next();
      s.expect('(', `after ${name}`);
      const args = [];
      while (!s.is(')')) {
        args.push(readValue(s));
        if (!s.is(')')) s.expect(',', 'between arguments');
      }
      s.next();
      return makeErrorNode(name, args);
    }
    if (s.is('(', 1)) throw `unknown error class '${name}' (use one of ${ERROR_CLASSES.join(', ')})`;
    s.next();
    return { type: 'task', name };
  }
  throw `expected a value ${s.where()}`;
}

function makeErrorNode(cls, args) {
  if (cls === 'CancelledError' || cls === 'ChildCancelled') {
    let task;
    let rest = args;
    if (args.length > 0 && args[0].type === 'task') {
      task = args[0].name;
      rest = args.slice(1);
    }
    if (rest.length === 2 && task === undefined && rest[1].type === 'task')
      throw cls === 'CancelledError'
        ? `${cls}(task, reason): the task comes first in a marble file (the constructor takes (reason, task))`
        : `${cls}(task, reason): the task comes first in a marble file (in code: new ChildCancelled(new CancelledError(reason, task)))`;
    if (rest.length > 1) throw `${cls}(task, reason) takes at most a task and a reason`;
    if (rest.length === 1 && rest[0].type === 'task')
      throw `${cls}(): '${rest[0].name}' is not a value: quote it ('${rest[0].name}') if it is a reason`;
    return { type: 'error', cls, task, reason: rest[0] };
  }
  if (args.length !== 1 || args[0].type !== 'literal' || typeof args[0].value !== 'string') {
    throw `${cls}('message') takes one string`;
  }
  return { type: 'error', cls, message: args[0].value };
}

/** Task names an error description mentions (its own and its reason's). */
function taskRefs(node, out = []) {
  if (!node) return out;
  if (node.type === 'task') out.push(node.name);
  if (node.type === 'error') {
    if (node.task) out.push(node.task);
    taskRefs(node.reason, out);
  }
  if (node.type === 'array') node.items.forEach((item) => taskRefs(item, out));
  if (node.type === 'object') node.entries.forEach(([, v]) => taskRefs(v, out));
  return out;
}

/** `'x'`, `['2', 'x']`, `{ index: 1, value: 'x' }`, `ChildCancelled(child, 'stop')`. */
function formatValue(node) {
  switch (node.type) {
    case 'literal':
      return typeof node.value === 'string'
        ? `'${node.value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
        : String(node.value);
    case 'array':
      return `[${node.items.map(formatValue).join(', ')}]`;
    case 'object':
      return node.entries.length === 0
        ? '{}'
        : `{ ${node.entries.map(([k, v]) => `${k}: ${formatValue(v)}`).join(', ')} }`;
    case 'task':
      return node.name;
    case 'error': {
      if (node.message !== undefined) return `${node.cls}('${node.message}')`;
      const parts = [];
      if (node.task) parts.push(node.task);
      if (node.reason) parts.push(formatValue(node.reason));
      return `${node.cls}(${parts.join(', ')})`;
    }
    default:
      return '?';
  }
}

/**
 * Evaluates a value node. `hooks.task(name)` gives the task object,
 * `hooks.error(cls, { task, reason, message })` builds an error.
 */
function evaluateValue(node, hooks) {
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'array':
      return node.items.map((item) => evaluateValue(item, hooks));
    case 'object':
      return Object.fromEntries(node.entries.map(([k, v]) => [k, evaluateValue(v, hooks)]));
    case 'task':
      return hooks.task(node.name);
    case 'error':
      return hooks.error(node.cls, {
        task: node.task === undefined ? undefined : hooks.task(node.task),
        reason: node.reason === undefined ? undefined : evaluateValue(node.reason, hooks),
        message: node.message,
      });
    default:
      throw new Error(`unknown value node ${node.type}`);
  }
}

const OPERATORS = ['detectCancel', 'shield', 'cancelWhen'];
const COMBINATORS = ['whenAllCancellable', 'whenAnyCancellable'];

/**
 * The right-hand side of a declaration:
 *   new AbortController()
 *   task(EXPR[, { signal: X.signal, refCount: false }]) / startTask(...)
 *   EXPR
 * EXPR: NAME, EXPR.pipe(detectCancel(), shield(), cancelWhen(X.signal)),
 *   detectCancel(EXPR), shield(EXPR),
 *   whenAllCancellable([EXPR, ...][, { signal: X.signal }]), whenAnyCancellable(...)
 * @throws {string}
 */
function parseDeclaration(text) {
  const s = new TokenStream(text);
  if (s.peek() === undefined) throw 'expected something after "="';
  if (s.is('new')) {
    s.next();
    s.expect('AbortController', "after 'new' (the only thing a marble case can construct)");
    s.expect('(');
    s.expect(')');
    s.end('new AbortController()');
    return { kind: 'controller' };
  }
  if ((s.is('task') || s.is('startTask')) && s.is('(', 1)) {
    const start = s.next().v === 'startTask';
    s.next();
    const body = readExpr(s);
    const options = {};
    if (s.is(',')) {
      s.next();
      s.expect('{', 'to open the task options');
      while (!s.is('}')) {
        const key = s.ident('an option name (signal or refCount)');
        s.expect(':', `after ${key}`);
        if (key === 'signal') options.signal = readSignal(s);
        else if (key === 'refCount') {
          const v = s.ident('true or false');
          if (v !== 'true' && v !== 'false') throw `refCount takes true or false, got ${v}`;
          options.refCount = v === 'true';
        } else if (key === 'name') {
          throw `a task is named after its variable: drop "name:"`;
        } else throw `unknown task option '${key}' (use signal or refCount)`;
        if (!s.is('}')) s.expect(',', 'between options');
      }
      s.next();
    }
    s.expect(')', 'to close task(...)');
    s.end('task(...)');
    return { kind: 'task', start, body, options };
  }
  const expr = readExpr(s);
  s.end('the expression');
  return { kind: 'expr', expr };
}

function readSignal(s) {
  const name = s.ident('a task or an AbortController followed by .signal');
  s.expect('.', `after ${name} (write ${name}.signal)`);
  s.expect('signal', `after '${name}.'`);
  return name;
}

function readExpr(s) {
  let expr = readPrimary(s);
  while (s.is('.') && s.is('pipe', 1)) {
    s.next();
    s.next();
    s.expect('(', 'after pipe');
    const ops = [];
    while (!s.is(')')) {
      const op = s.ident(`an operator (${OPERATORS.join(', ')})`);
      if (!OPERATORS.includes(op)) throw `unknown operator '${op}' (use ${OPERATORS.join(', ')})`;
      s.expect('(', `after ${op}`);
      if (op === 'cancelWhen') ops.push({ op, signal: readSignal(s) });
      else ops.push({ op });
      s.expect(')', `to close ${op}(`);
      if (!s.is(')')) s.expect(',', 'between operators');
    }
    s.next();
    if (ops.length === 0) throw 'pipe() needs at least one operator';
    expr = { type: 'pipe', source: expr, ops };
  }
  if (s.is('.')) throw `only .pipe(...) can follow an expression ${s.where()}`;
  return expr;
}

function readPrimary(s) {
  const name = s.ident('a name or a function');
  if (!s.is('(')) return { type: 'ref', name };
  s.next();
  if (name === 'detectCancel' || name === 'shield') {
    const source = readExpr(s);
    s.expect(')', `to close ${name}(`);
    return { type: 'pipe', source, ops: [{ op: name }] };
  }
  if (COMBINATORS.includes(name)) {
    s.expect('[', `${name} takes an array of sources`);
    const sources = [];
    while (!s.is(']')) {
      sources.push(readExpr(s));
      if (!s.is(']')) s.expect(',', 'between sources');
    }
    s.next();
    let signal;
    if (s.is(',')) {
      s.next();
      s.expect('{', 'to open the options');
      if (!s.is('}')) {
        const key = s.ident('signal');
        if (key !== 'signal') throw `${name} takes only a signal option, got '${key}'`;
        s.expect(':');
        signal = readSignal(s);
      }
      s.expect('}', 'to close the options');
    }
    s.expect(')', `to close ${name}(`);
    return { type: 'combine', fn: name, sources, signal };
  }
  if (name === 'cancelWhen') throw 'cancelWhen is an operator: write source.pipe(cancelWhen(x.signal))';
  if (name === 'task' || name === 'startTask')
    throw `${name}() only at the top of a declaration: declare the task with a name`;
  throw `unknown function '${name}' (use detectCancel, shield, whenAllCancellable, whenAnyCancellable, or .pipe(...))`;
}

/** Names an expression refers to, and the signals it uses. */
function exprRefs(expr, refs = [], signals = []) {
  if (expr.type === 'ref') refs.push(expr.name);
  else if (expr.type === 'pipe') {
    exprRefs(expr.source, refs, signals);
    for (const op of expr.ops) if (op.signal) signals.push(op.signal);
  } else if (expr.type === 'combine') {
    expr.sources.forEach((source) => exprRefs(source, refs, signals));
    if (expr.signal) signals.push(expr.signal);
  }
  return { refs, signals };
}

// ---------------------------------------------------------------------------
// Files and cases

/** `child cancelled by someone else → ChildCancelled` → `child-cancelled-by-someone-else-childcancelled` */
function slugify(name) {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length <= 64) return slug;
  const cut = slug.slice(0, 65);
  return cut.slice(0, cut.lastIndexOf('-') > 20 ? cut.lastIndexOf('-') : 64);
}

/**
 * Parses and checks a whole marble file.
 * @param {string} text the file's content
 * @param {string} file the path shown in error messages (e.g. marbles/shield.marbles)
 */
function parseMarbleFile(text, file) {
  const lines = text.split(/\r?\n/);
  const result = { file, title: undefined, about: undefined, cases: [] };
  let current = null;
  const fail = (lineNo, detail) => {
    throw new MarbleFileError(file, lineNo, current ? current.name : undefined, detail);
  };
  const finish = () => {
    if (current !== null) {
      current.source = lines.slice(current.line - 1, lastContentLine).join('\n');
      checkCase(current, file);
      result.cases.push(current);
    }
  };
  let lastContentLine = 0;
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const raw = lines[index];
    const text = raw.trim();
    if (text === '' || text.startsWith('//')) continue;
    const directive = RE_DIRECTIVE.exec(text);
    if (directive && DIRECTIVES.includes(directive[1])) {
      const [, word, value = ''] = directive;
      if (word === 'case') {
        finish();
        current = null;
        if (result.title === undefined) fail(lineNo, "the file needs a 'title:' line before the first case");
        if (value.trim() === '') fail(lineNo, 'a case needs a name: case: <what it shows>');
        const name = value.trim();
        const failCase = (detail) => {
          throw new MarbleFileError(file, lineNo, name, detail);
        };
        if (result.cases.some((c) => c.name === name)) failCase(`a second case named "${name}"`);
        const slug = slugify(name);
        if (slug === '') failCase(`the case name "${name}" has no letters or digits`);
        const clash = result.cases.find((c) => c.slug === slug);
        if (clash)
          failCase(`the case name "${name}" gives the same picture file name as "${clash.name}" (${slug}.svg)`);
        current = {
          file,
          name,
          slug,
          line: lineNo,
          about: undefined,
          covers: [],
          declarations: [],
          timelines: [],
          keys: [],
          source: '',
        };
        lastContentLine = lineNo;
        continue;
      }
      if (word === 'title') {
        if (current) fail(lineNo, "'title:' belongs at the top of the file, before the first case");
        if (result.title !== undefined) fail(lineNo, "a second 'title:'");
        result.title = value.trim();
        continue;
      }
      if (word === 'about') {
        if (value.trim() === '') fail(lineNo, "'about:' needs a one-line explanation");
        const target = current ?? result;
        if (target.about !== undefined) fail(lineNo, `a second 'about:'${current ? ' in this case' : ' for the file'}`);
        target.about = value.trim();
        if (current) lastContentLine = lineNo;
        continue;
      }
      if (word === 'covers') {
        if (!current) fail(lineNo, "'covers:' belongs inside a case");
        const ids = value.split(/[\s,]+/).filter(Boolean);
        if (ids.length === 0) fail(lineNo, "'covers:' needs at least one rule id");
        current.covers.push(...ids);
        lastContentLine = lineNo;
        continue;
      }
    }
    if (current === null) {
      fail(lineNo, `expected 'title:', 'about:', 'case:' or a // comment before the first case, got "${text}"`);
    }
    lastContentLine = lineNo;
    const timeline = RE_TIMELINE.exec(text);
    if (timeline) {
      const [, kind, name, gap, rest = ''] = timeline;
      const indent = raw.length - raw.trimStart().length;
      if (kind === 'throws') {
        if (rest.trim() === '') fail(lineNo, `'throws ${name}' needs the error it throws, e.g. TypeError('...')`);
        let value;
        try {
          value = parseValue(rest.trim());
        } catch (message) {
          fail(lineNo, `cannot read the error after 'throws ${name}': ${message}`);
        }
        if (value.type !== 'error')
          fail(lineNo, `'throws ${name}' takes an error such as TypeError('...'), got ${formatValue(value)}`);
        current.timelines.push({ kind, name, marble: '', line: lineNo, column: 0, events: [], error: value, end: 0 });
        continue;
      }
      if (rest.trim() === '') fail(lineNo, `'${kind} ${name}' needs a marble diagram after the name`);
      const marble = rest.replace(/\s+$/, '');
      const column = indent + kind.length + 1 + name.length + gap.length;
      let parsed;
      try {
        parsed = parseMarble(marble, kind);
      } catch (message) {
        fail(lineNo, `${kind} ${name}: ${message}`);
      }
      current.timelines.push({
        kind,
        name,
        marble,
        line: lineNo,
        column,
        frameZeroColumn: column + parsed.frameZeroIndex,
        events: parsed.events,
        end: parsed.end,
      });
      continue;
    }
    const decl = RE_DECL.exec(text);
    if (decl) {
      const [, name, rhs] = decl;
      let parsed;
      try {
        parsed = parseDeclaration(rhs);
      } catch (message) {
        fail(lineNo, `cannot read the declaration of ${name}: ${message}`);
      }
      current.declarations.push({ name, line: lineNo, text: rhs.trim().replace(/\s+/g, ' '), ...parsed });
      continue;
    }
    const key = RE_KEY.exec(text);
    if (key) {
      const [, scope, char, valueText = ''] = key;
      if (valueText.trim() === '') fail(lineNo, `the key '${char}' needs a value after the colon`);
      let value;
      try {
        value = parseValue(valueText.trim());
      } catch (message) {
        fail(lineNo, `cannot read the value of '${scope ? `${scope} ` : ''}${char}': ${message}`);
      }
      if (current.keys.some((k) => k.key === char && k.scope === scope)) {
        fail(lineNo, `'${scope ? `${scope} ` : ''}${char}' is defined twice`);
      }
      current.keys.push({ scope, key: char, value, line: lineNo, text: valueText.trim() });
      continue;
    }
    const words = RE_TWO_WORDS.exec(text);
    const hint = words ? closest(words[1], LINE_KINDS) : undefined;
    if (hint) {
      fail(
        lineNo,
        `unknown line kind '${words[1]}' (did you mean '${hint}'?); timelines start with one of ${LINE_KINDS.join(', ')}`,
      );
    }
    fail(
      lineNo,
      `cannot read "${text}": expected a declaration (name = ...), a timeline (${LINE_KINDS.join(', ')} followed by a name and a marble), a key (X: value), about:, covers: or a // comment`,
    );
  }
  finish();
  if (result.title === undefined)
    throw new MarbleFileError(file, 1, undefined, "the file needs a 'title:' line at the top");
  if (result.cases.length === 0) {
    const last = lines.length - (lines[lines.length - 1] === '' ? 1 : 0);
    throw new MarbleFileError(file, Math.max(last, 1), undefined, "the file has no case: add one with 'case: <name>'");
  }
  return result;
}

function closest(word, candidates) {
  let best;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate);
    if (d < bestDistance && (d <= 1 || word.length >= 5)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length];
}

/** The checks that need the whole case. */
function checkCase(c, file) {
  const fail = (lineNo, detail) => {
    throw new MarbleFileError(file, lineNo, c.name, detail);
  };
  if (c.about === undefined) fail(c.line, "the case needs an 'about:' line (one sentence: what the picture shows)");
  if (c.covers.length === 0) fail(c.line, "the case needs a 'covers:' line naming the contract rule(s) it shows");

  // names
  const kinds = new Map(); // name -> 'cold' | 'hot' | 'task' | 'controller' | 'expr'
  const defined = new Map(); // name -> line
  const define = (name, kind, lineNo) => {
    if (defined.has(name)) fail(lineNo, `'${name}' is already defined on line ${defined.get(name)}`);
    if (['task', 'startTask', 'detectCancel', 'shield', 'cancelWhen', ...COMBINATORS].includes(name)) {
      fail(lineNo, `'${name}' is the name of a function; pick another name`);
    }
    defined.set(name, lineNo);
    kinds.set(name, kind);
  };
  for (const t of c.timelines) if (t.kind === 'cold' || t.kind === 'hot') define(t.name, t.kind, t.line);
  for (const d of c.declarations) define(d.name, d.kind, d.line);

  const used = new Set();
  const needKind = (name, allowed, lineNo, what) => {
    if (!kinds.has(name)) fail(lineNo, `'${name}' is not defined in this case (${what})`);
    if (!allowed.includes(kinds.get(name))) {
      fail(lineNo, `'${name}' is ${article(kinds.get(name))}, but ${what} needs ${allowed.map(article).join(' or ')}`);
    }
    used.add(name);
  };
  const signalDeps = new Map();
  for (const d of c.declarations) {
    if (d.kind === 'task') {
      const { refs, signals } = exprRefs(d.body);
      refs.forEach((r) => needKind(r, ['cold', 'hot', 'task', 'expr'], d.line, `the body of task ${d.name}`));
      signals.forEach((r) => needKind(r, ['task', 'controller'], d.line, `a signal in the body of ${d.name}`));
      if (d.options.signal !== undefined) {
        needKind(d.options.signal, ['task', 'controller'], d.line, `the signal option of ${d.name}`);
        if (d.options.signal === d.name) fail(d.line, `task ${d.name} cannot be linked to its own signal`);
        signalDeps.set(d.name, d.options.signal);
      }
    } else if (d.kind === 'expr') {
      const { refs, signals } = exprRefs(d.expr);
      refs.forEach((r) => {
        if (r === d.name) fail(d.line, `${d.name} refers to itself`);
        needKind(r, ['cold', 'hot', 'task', 'expr'], d.line, `the expression of ${d.name}`);
      });
      signals.forEach((r) => needKind(r, ['task', 'controller'], d.line, `a signal in ${d.name}`));
    }
  }
  // a signal chain must not loop (tasks are created parent first)
  for (const start of signalDeps.keys()) {
    const seen = [start];
    let at = signalDeps.get(start);
    while (at !== undefined) {
      if (seen.includes(at)) fail(defined.get(start), `the signal options loop: ${[...seen, at].join(' → ')}`);
      seen.push(at);
      at = signalDeps.get(at);
    }
  }

  // timelines
  const consumers = new Map(); // name -> { expect, subscribe, throws }
  const subsOf = new Map();
  for (const t of c.timelines) {
    switch (t.kind) {
      case 'cancel':
      case 'start':
        needKind(t.name, ['task'], t.line, `'${t.kind} ${t.name}'`);
        break;
      case 'abort':
        needKind(t.name, ['controller'], t.line, `'abort ${t.name}'`);
        break;
      case 'subs':
        needKind(t.name, ['cold', 'hot'], t.line, `'subs ${t.name}' (the subscription log of a source)`);
        if (!subsOf.has(t.name)) subsOf.set(t.name, []);
        subsOf.get(t.name).push(t);
        break;
      case 'subscribe':
      case 'expect':
      case 'throws': {
        needKind(t.name, ['task', 'expr'], t.line, `'${t.kind} ${t.name}' (a consumer)`);
        const entry = consumers.get(t.name) ?? {};
        const slot = t.kind === 'throws' ? 'expect' : t.kind;
        if (entry[slot]) fail(t.line, `a second '${t.kind}' line for ${t.name} (first on line ${entry[slot].line})`);
        entry[slot] = t;
        consumers.set(t.name, entry);
        break;
      }
      default:
        break;
    }
  }
  for (const [name, entry] of consumers) {
    if (!entry.expect) fail(entry.subscribe.line, `consumer ${name} has a subscribe line but no 'expect ${name}' line`);
    if (entry.expect.kind === 'throws' && entry.subscribe)
      fail(entry.subscribe.line, `${name} throws when it is built: it cannot be subscribed`);
  }
  if (consumers.size === 0) fail(c.line, "the case has no 'expect' line: what does the consumer see?");
  for (const [name, kind] of kinds) {
    if ((kind === 'cold' || kind === 'hot') && !subsOf.has(name)) {
      fail(
        defined.get(name),
        `source ${name} has no 'subs ${name}' line (its expected subscription log; use 'subs ${name}  ---' if it is never subscribed)`,
      );
    }
    if (!used.has(name) && !consumers.has(name)) fail(defined.get(name), `'${name}' is defined but not used`);
  }
  for (const [name, lines] of subsOf) {
    if (lines.length > 1 && lines.some((t) => !t.events.some((e) => e.kind === 'subscribe'))) {
      fail(
        lines[0].line,
        `'subs ${name}' lines: a line without '^' means "never subscribed", so it must be the only one`,
      );
    }
  }
  c.consumers = [...consumers.entries()].map(([name, entry]) => ({ name, ...entry }));
  c.kinds = Object.fromEntries(kinds);

  // alignment: frame 0 in the same column on every timeline
  const aligned = c.timelines.filter((t) => t.kind !== 'throws');
  if (aligned.length > 0) {
    const first = aligned[0];
    for (const t of aligned.slice(1)) {
      if (t.frameZeroColumn !== first.frameZeroColumn) {
        fail(
          t.line,
          `${t.kind} ${t.name}: frame 0 is in column ${t.frameZeroColumn + 1}, but in column ${first.frameZeroColumn + 1} on line ${first.line}: align the marbles so that frames line up`,
        );
      }
    }
  }

  // keys
  const usedKeys = new Set();
  const keyFor = (t, char) => {
    const scoped = c.keys.find((k) => k.scope === t.name && k.key === char);
    const key = scoped ?? c.keys.find((k) => k.scope === undefined && k.key === char);
    if (key) usedKeys.add(key);
    return key;
  };
  for (const key of c.keys) {
    if (key.scope !== undefined && !c.timelines.some((t) => t.name === key.scope)) {
      fail(key.line, `'${key.scope} ${key.key}': no timeline is about '${key.scope}'`);
    }
    for (const name of taskRefs(key.value)) {
      if (kinds.get(name) !== 'task')
        fail(
          key.line,
          `'${name}' in this value is not a task of this case${kinds.has(name) ? '' : ' (declare it, or quote it if it is a string)'}`,
        );
    }
  }
  for (const t of c.timelines) {
    if (t.kind === 'throws') {
      for (const name of taskRefs(t.error))
        if (kinds.get(name) !== 'task') fail(t.line, `'${name}' is not a task of this case`);
      continue;
    }
    for (const e of t.events) {
      if (e.kind === 'next' || e.kind === 'action') {
        const key = keyFor(t, e.char);
        e.value = key ? key.value : { type: 'literal', value: e.char };
        e.keyed = key !== undefined;
      } else if (e.kind === 'error') {
        const key = keyFor(t, '#');
        if (!key)
          fail(
            t.line,
            `${t.kind} ${t.name} uses '#': say which error with a key line such as "#: Error('boom')" or "${t.name} #: ..."`,
          );
        if (key.value.type !== 'error')
          fail(
            key.line,
            `'#' must be an error such as Error('boom') or ChildCancelled(child, 'r'), got ${formatValue(key.value)}`,
          );
        e.value = key.value;
        e.keyed = true;
      }
    }
  }
  for (const key of c.keys) {
    if (!usedKeys.has(key))
      fail(key.line, `the key '${key.scope ? `${key.scope} ` : ''}${key.key}' is not used by any timeline`);
  }
}

function article(kind) {
  switch (kind) {
    case 'cold':
      return 'a cold source';
    case 'hot':
      return 'a hot source';
    case 'task':
      return 'a task';
    case 'controller':
      return 'an AbortController';
    case 'expr':
      return 'an expression';
    default:
      return kind;
  }
}

/**
 * Everything a picture of the case shows as a mark: every notification of
 * every source and expected output, every action, every consumer
 * subscription/unsubscription, every `^`/`!` of a subscription log, every
 * thrown error. The renderer draws exactly one element per event.
 */
function caseEvents(c) {
  const events = [];
  for (const t of c.timelines) {
    if (t.kind === 'throws') events.push({ line: t.line, kind: 'throws', frame: 0 });
    for (const e of t.events) events.push({ line: t.line, kind: eventKind(t, e), frame: e.frame });
  }
  // a consumer without a subscribe line subscribes at frame 0: drawn too
  for (const consumer of c.consumers) {
    if (!consumer.subscribe && consumer.expect.kind === 'expect') {
      events.push({ line: consumer.expect.line, kind: 'subscribe', frame: 0 });
    }
  }
  return events;
}

function eventKind(t, e) {
  if (e.kind === 'action') return t.kind; // cancel | abort | start
  if (e.kind === 'subscribe' || e.kind === 'unsubscribe') return t.kind === 'subs' ? `source-${e.kind}` : e.kind;
  if (e.kind === 'error')
    return `error:${e.value.cls === 'ChildCancelled' || e.value.cls === 'CancelledError' ? e.value.cls : 'Error'}`;
  return e.kind;
}

module.exports = {
  MarbleFileError,
  parseMarbleFile,
  parseMarble,
  parseValue,
  parseDeclaration,
  formatValue,
  evaluateValue,
  caseEvents,
  slugify,
  LINE_KINDS,
};
