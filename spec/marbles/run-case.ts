import { isDeepStrictEqual } from 'node:util';
import type { Observable, ObservableInput } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import {
  cancelWhen,
  CancelledError,
  ChildCancelled,
  detectCancel,
  shield,
  startTask,
  task,
  whenAllCancellable,
  whenAnyCancellable,
  type Task,
} from '../../src';
import { errorShape, runMarbles } from '../helpers';
import {
  evaluateValue,
  formatValue,
  type Declaration,
  type ExprNode,
  type MarbleCase,
  type Timeline,
  type ValueNode,
} from '../../scripts/marbles/parse.cjs';

type Helpers = Parameters<Parameters<typeof runMarbles>[0]>[0];
type TestMessage = { frame: number; notification: { kind: string; value?: unknown; error?: unknown } };
type SubscriptionLog = { subscribedFrame: number; unsubscribedFrame: number };

/** A check TestScheduler runs at the end of the case, in registration order. */
interface Check {
  line: number;
  what: string;
  expected: string;
  actual(value: unknown): string;
}

/** Where a case went wrong: names the file, the line and the case. */
export class MarbleCaseError extends Error {
  override name = 'MarbleCaseError';
}

/**
 * Runs one marble case under `TestScheduler.run` (through `runMarbles`, so
 * errors compare by class, reason and task):
 * 1. sources (`cold`, `hot`), AbortControllers, then tasks (parents first);
 * 2. every consumer: `expectObservable(expression, subscribe).toBe(expect)`;
 * 3. every action (`cancel`, `abort`, `start`) scheduled at its frames; at
 *    one frame, consumers subscribe/unsubscribe first, then actions run,
 *    then sources emit;
 * 4. every source's subscription log: `expectSubscriptions(...).toBe(subs)`.
 */
export function runCase(c: MarbleCase): void {
  const at = (line: number) => `${c.file}:${line} (case "${c.name}")`;
  runMarbles((helpers) => {
    const checks: Check[] = [];
    const env = new Env(c, helpers);
    try {
      env.createAll();
      for (const consumer of c.consumers) checks.push(...env.expectConsumer(consumer.name));
      env.scheduleActions();
      checks.push(...env.expectSubscriptionLogs());
    } catch (error) {
      if (error instanceof MarbleCaseError) throw error;
      throw new MarbleCaseError(
        `${at(c.line)}: setting the case up failed: ${String(error instanceof Error ? error.stack : error)}`,
      );
    }
    labelAssertions(helpers.scheduler, checks, at);
  });
}

/** Makes a failing TestScheduler assertion say which line of which case failed, as marbles. */
function labelAssertions(scheduler: TestScheduler, checks: Check[], at: (line: number) => string): void {
  const assert = scheduler.assertDeepEqual;
  let index = 0;
  scheduler.assertDeepEqual = (actual: unknown, expected: unknown) => {
    const check = checks[index++];
    try {
      assert(actual, expected);
    } catch (error) {
      if (check === undefined) throw error;
      throw new MarbleCaseError(
        `${at(check.line)}: ${check.what} does not match\n` +
          `  expected: ${check.expected}\n` +
          `  actual:   ${check.actual(actual)}\n\n` +
          (error instanceof Error ? error.message : String(error)),
      );
    }
  };
}

class Env {
  readonly values = new Map<string, unknown>();
  readonly tasks = new Map<string, Task<unknown>>();
  private readonly creating = new Set<string>();
  private readonly declarations: Map<string, Declaration>;

  constructor(
    private readonly c: MarbleCase,
    private readonly helpers: Helpers,
  ) {
    this.declarations = new Map(c.declarations.map((d) => [d.name, d]));
  }

  readonly hooks = {
    task: (name: string): unknown => {
      const t = this.tasks.get(name);
      if (t === undefined) throw new MarbleCaseError(`task ${name} does not exist yet where its name is used`);
      return t;
    },
    error: (cls: string, parts: { task?: unknown; reason?: unknown; message?: string }): unknown => {
      switch (cls) {
        case 'CancelledError':
          return new CancelledError(parts.reason, parts.task as Task<unknown> | undefined);
        case 'ChildCancelled':
          return new ChildCancelled(new CancelledError(parts.reason, parts.task as Task<unknown> | undefined));
        case 'TypeError':
          return new TypeError(parts.message);
        case 'RangeError':
          return new RangeError(parts.message);
        default:
          return new Error(parts.message);
      }
    },
  };

  value(node: ValueNode): unknown {
    return evaluateValue(node, this.hooks);
  }

  /** The values and the error a marble line uses, as TestScheduler wants them. */
  marbleArgs(t: Timeline): [Record<string, unknown>, unknown] {
    const values: Record<string, unknown> = {};
    let error: unknown = undefined;
    for (const e of t.events) {
      if (e.kind === 'next' && e.value) values[e.char] = this.value(e.value);
      if (e.kind === 'error' && e.value) error = this.value(e.value);
    }
    return [values, error];
  }

  createAll(): void {
    const { cold, hot } = this.helpers;
    for (const t of this.c.timelines) {
      if (t.kind !== 'cold' && t.kind !== 'hot') continue;
      const [values, error] = this.marbleArgs(t);
      this.values.set(t.name, t.kind === 'cold' ? cold(t.marble, values, error) : hot(t.marble, values, error));
    }
    for (const d of this.c.declarations) {
      if (d.kind === 'controller') this.values.set(d.name, new AbortController());
    }
    for (const d of this.c.declarations) if (d.kind === 'task') this.task(d.name);
  }

  /** Creates a task, after the task whose signal it links to. */
  task(name: string): Task<unknown> {
    const existing = this.tasks.get(name);
    if (existing !== undefined) return existing;
    const d = this.declarations.get(name);
    if (d === undefined || d.kind !== 'task') throw new MarbleCaseError(`${name} is not a task`);
    if (this.creating.has(name)) throw new MarbleCaseError(`task ${name} depends on itself`);
    this.creating.add(name);
    const options: { name: string; signal?: AbortSignal; refCount?: boolean } = { name };
    if (d.options.signal !== undefined) options.signal = this.signal(d.options.signal);
    if (d.options.refCount !== undefined) options.refCount = d.options.refCount;
    // A body that is a plain name is passed as is; any other body is built when the task starts.
    const body = d.body;
    const source =
      body.type === 'ref' && this.declarations.get(body.name)?.kind !== 'expr'
        ? (this.observable(body) as ObservableInput<unknown>)
        : () => this.observable(body);
    const t = d.start ? startTask(source, options) : task(source, options);
    this.tasks.set(name, t);
    this.values.set(name, t);
    this.creating.delete(name);
    return t;
  }

  signal(name: string): AbortSignal {
    const kind = this.c.kinds[name];
    if (kind === 'task') return this.task(name).signal;
    return (this.values.get(name) as AbortController).signal;
  }

  observable(expr: ExprNode): Observable<unknown> {
    switch (expr.type) {
      case 'ref': {
        const kind = this.c.kinds[expr.name];
        if (kind === 'task') return this.task(expr.name);
        if (kind === 'expr') {
          const d = this.declarations.get(expr.name) as Extract<Declaration, { kind: 'expr' }>;
          return this.observable(d.expr);
        }
        return this.values.get(expr.name) as Observable<unknown>;
      }
      case 'pipe': {
        let result = this.observable(expr.source);
        for (const op of expr.ops) {
          if (op.op === 'detectCancel') result = result.pipe(detectCancel());
          else if (op.op === 'shield') result = result.pipe(shield());
          else if (op.op === 'cancelWhen') result = result.pipe(cancelWhen(this.signal(op.signal)));
        }
        return result;
      }
      case 'combine': {
        const sources = expr.sources.map((s) => this.observable(s));
        const options = expr.signal === undefined ? undefined : { signal: this.signal(expr.signal) };
        return expr.fn === 'whenAllCancellable'
          ? (whenAllCancellable(sources, options) as Observable<unknown>)
          : (whenAnyCancellable(sources, options) as Observable<unknown>);
      }
    }
  }

  expectConsumer(name: string): Check[] {
    const consumer = this.c.consumers.find((x) => x.name === name)!;
    const expectLine = consumer.expect;
    let observable: Observable<unknown> | undefined;
    let thrown: { error: unknown } | undefined;
    try {
      observable = this.observable({ type: 'ref', name });
    } catch (error) {
      if (error instanceof MarbleCaseError) throw error;
      thrown = { error };
    }
    const at = `${this.c.file}:${expectLine.line} (case "${this.c.name}")`;
    if (expectLine.kind === 'throws') {
      const expected = this.value(expectLine.error!) as Error;
      if (thrown === undefined)
        throw new MarbleCaseError(`${at}: ${name} was expected to throw ${formatValue(expectLine.error!)} but did not`);
      const error = thrown.error as Error;
      if (
        !(error instanceof Error) ||
        error.constructor !== expected.constructor ||
        error.message !== expected.message
      ) {
        throw new MarbleCaseError(
          `${at}: ${name} was expected to throw ${formatValue(expectLine.error!)} but threw ${describeActualError(error)}`,
        );
      }
      return [];
    }
    if (thrown !== undefined)
      throw new MarbleCaseError(`${at}: building ${name} threw ${describeActualError(thrown.error)}`);
    const [values, error] = this.marbleArgs(expectLine);
    this.helpers.expectObservable(observable!, consumer.subscribe?.marble).toBe(expectLine.marble, values, error);
    return [
      {
        line: expectLine.line,
        what: `expect ${name}`,
        expected: `${expectLine.marble}${describeKeys(expectLine)}`,
        actual: (messages) => messagesToMarble(messages as TestMessage[], values),
      },
    ];
  }

  scheduleActions(): void {
    const { scheduler } = this.helpers;
    for (const t of this.c.timelines) {
      if (t.kind !== 'cancel' && t.kind !== 'abort' && t.kind !== 'start') continue;
      for (const e of t.events) {
        const reason = this.value(e.value!);
        const run =
          t.kind === 'cancel'
            ? () => void this.task(t.name).cancel(reason)
            : t.kind === 'start'
              ? () => void this.task(t.name).start()
              : () => (this.values.get(t.name) as AbortController).abort(reason);
        scheduler.schedule(run, e.frame);
      }
    }
  }

  expectSubscriptionLogs(): Check[] {
    const checks: Check[] = [];
    const bySource = new Map<string, Timeline[]>();
    for (const t of this.c.timelines) {
      if (t.kind === 'subs') bySource.set(t.name, [...(bySource.get(t.name) ?? []), t]);
    }
    for (const [name, lines] of bySource) {
      const source = this.values.get(name) as { subscriptions: SubscriptionLog[] };
      const marbles = lines.map((t) => t.marble);
      this.helpers.expectSubscriptions(source.subscriptions).toBe(marbles.length === 1 ? marbles[0]! : marbles);
      checks.push({
        line: lines[0]!.line,
        what: `subs ${name} (the subscription log of ${name})`,
        expected: marbles.join('  +  '),
        actual: (logs) => subscriptionsToMarble(logs as SubscriptionLog[]),
      });
    }
    return checks;
  }
}

function describeKeys(t: Timeline): string {
  const keyed = t.events.filter((e) => e.keyed && e.value);
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const e of keyed) {
    const char = e.kind === 'error' ? '#' : e.char;
    if (seen.has(char)) continue;
    seen.add(char);
    parts.push(`${char}: ${formatValue(e.value!)}`);
  }
  return parts.length === 0 ? '' : `   (${parts.join(', ')})`;
}

/** An error as a marble file would write it. */
export function describeActualError(error: unknown): string {
  const shape = errorShape(error);
  if (shape.class === 'Error') {
    const cls = error instanceof Error ? error.constructor.name : 'Error';
    return `${cls}('${shape.message}')`;
  }
  const parts: string[] = [];
  if (shape.task !== undefined) parts.push(shape.task);
  if (shape.reason !== undefined) parts.push(describeReason(shape.reason));
  return `${shape.class}(${parts.join(', ')})`;
}

function describeReason(reason: unknown): string {
  if (reason && typeof reason === 'object' && 'class' in reason) {
    const shape = reason as { class: string; task?: string; reason?: unknown; message?: string };
    if (shape.class === 'Error') return `Error('${shape.message}')`;
    const parts: string[] = [];
    if (shape.task !== undefined) parts.push(shape.task);
    if (shape.reason !== undefined) parts.push(describeReason(shape.reason));
    return `${shape.class}(${parts.join(', ')})`;
  }
  if (reason instanceof Error) return `${reason.constructor.name}('${reason.message}')`;
  return typeof reason === 'string' ? `'${reason}'` : (JSON.stringify(reason) ?? String(reason));
}

/** What actually happened, written as a marble with the same keys as the expected line. */
export function messagesToMarble(messages: TestMessage[], values: Record<string, unknown>): string {
  const byFrame = new Map<number, string[]>();
  const extra: string[] = [];
  let unknownValues = 0;
  for (const m of messages) {
    let char: string;
    if (m.notification.kind === 'C') char = '|';
    else if (m.notification.kind === 'E') {
      char = '#';
      extra.push(`#: ${describeActualError(m.notification.error)}`);
    } else {
      const value = m.notification.value;
      const key = Object.keys(values).find((k) => isDeepStrictEqual(values[k], value));
      if (key !== undefined) char = key;
      else if (typeof value === 'string' && value.length === 1) char = value;
      else {
        char = String.fromCharCode(0x3b1 + unknownValues++); // α, β, … for values the line has no key for
        extra.push(`${char}: ${JSON.stringify(value) ?? String(value)}`);
      }
    }
    byFrame.set(m.frame, [...(byFrame.get(m.frame) ?? []), char]);
  }
  let marble = '';
  let position = 0;
  for (const frame of [...byFrame.keys()].sort((a, b) => a - b)) {
    if (frame > position) marble += '-'.repeat(frame - position);
    else if (frame < position) marble += ` [frame ${frame}] `;
    const chars = byFrame.get(frame)!;
    marble += chars.length === 1 ? chars[0] : `(${chars.join('')})`;
    position = frame + (chars.length === 1 ? 1 : chars.length + 2);
  }
  return `${marble === '' ? '(nothing)' : marble}${extra.length ? `   (${extra.join(', ')})` : ''}`;
}

export function subscriptionsToMarble(logs: SubscriptionLog[]): string {
  if (logs.length === 0) return '(never subscribed)';
  return logs
    .map((log) => {
      const before = '-'.repeat(log.subscribedFrame);
      if (log.unsubscribedFrame === log.subscribedFrame) return `${before}(^!)`;
      if (log.unsubscribedFrame === Infinity) return `${before}^`;
      return `${before}^${'-'.repeat(log.unsubscribedFrame - log.subscribedFrame - 1)}!`;
    })
    .join('  +  ');
}
