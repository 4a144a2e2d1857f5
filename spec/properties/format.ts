/**
 * One text format for what the runner observes and what the model predicts,
 * so that their logs compare with `toEqual`.
 *
 * - values: `v12`, `s0` (a probe's synchronous value), `undef`, `[v1,undef]`
 *   (whenAllCancellable), `{1:v3}` (whenAnyCancellable);
 * - errors: `E12` (a source error), `F2` (a factory that threw), `D1` (a
 *   teardown that threw), `CE(T1,r5)` (CancelledError of task 1, reason r5),
 *   `CE(-,a7)` (CancelledError without task, e.g. cancelWhen), `CC(CE(...))`
 *   (ChildCancelled with its cause). Reasons nest: `CE(T2,CE(T0,r3))`.
 *   `AE(a7)` (an `AbortError` whose cause is a7), `?a7` / `?undefined` (a
 *   value that is not an Error: a signal's reason a source errored with).
 */
import { UnsubscriptionError } from 'rxjs';
import { CancelledError, ChildCancelled } from '../../src';
import type { ConsumerSpec, OtherInput, Participant, SigRef } from './program';

export function fmtVal(value: unknown): string {
  if (value === undefined) return 'undef';
  if (Array.isArray(value)) return `[${value.map(fmtVal).join(',')}]`;
  if (typeof value === 'object' && value !== null && 'index' in value) {
    const { index, value: v } = value as { index: number; value: unknown };
    return `{${index}:${fmtVal(v)}}`;
  }
  return String(value);
}

/** Formats a real error; `indexOf` maps a Task to its number. */
export function fmtErr(error: unknown, indexOf: (task: unknown) => number): string {
  if (error instanceof ChildCancelled) return `CC(${fmtErr(error.cause, indexOf)})`;
  if (error instanceof CancelledError) {
    return `CE(${error.task === undefined ? '-' : `T${indexOf(error.task)}`},${fmtReason(error.reason, indexOf)})`;
  }
  if (error instanceof UnsubscriptionError) return `Unsub[${error.errors.map((e) => fmtErr(e, indexOf)).join(',')}]`;
  if (error instanceof Error && error.name === 'AbortError') return `AE(${fmtReason(error.cause, indexOf)})`;
  if (error instanceof Error) return error.constructor === Error ? error.message : `${error.name}:${error.message}`;
  return `?${String(error)}`;
}

export function fmtReason(reason: unknown, indexOf: (task: unknown) => number): string {
  if (reason === undefined) return 'undef';
  if (typeof reason === 'string') return reason;
  return fmtErr(reason, indexOf);
}

/**
 * Errors as the model represents them: `V`, a value that is not an `Error` (a signal's reason that is a string, or
 * `undefined`); `AE`, an `AbortError` with its `cause`. A reason is compared by identity, as the package does.
 */
export type MErr =
  | { k: 'CE'; task: number | null; reason: MReason }
  | { k: 'CC'; cause: MErr }
  | { k: 'E'; msg: string }
  | { k: 'V'; v: string | undefined }
  | { k: 'AE'; cause: MReason };
export type MReason = undefined | string | MErr;

export function fmtModel(reason: MReason): string {
  if (reason === undefined) return 'undef';
  if (typeof reason === 'string') return reason;
  switch (reason.k) {
    case 'CC':
      return `CC(${fmtModel(reason.cause)})`;
    case 'CE':
      return `CE(${reason.task === null ? '-' : `T${reason.task}`},${fmtModel(reason.reason)})`;
    case 'E':
      return reason.msg;
    case 'V':
      return `?${String(reason.v)}`;
    case 'AE':
      return `AE(${fmtModel(reason.cause)})`;
  }
}

export function fmtSig(s: SigRef | undefined): string {
  if (s === undefined) return '';
  return 'c' in s ? ` @C${s.c}` : 't' in s ? ` @T${s.t}` : ` @L${s.l}`;
}

/**
 * The line a probe's teardown that performs an action (`teardownAct`) logs once the action is done: `P<i>
 * teardown returns`, or `P<i> teardown throws` right before it throws `D<i>` (`teardownThrows`).
 */
export function fmtTeardownEnd(i: number, throws: boolean): string {
  return `P${i} teardown ${throws ? 'throws' : 'returns'}`;
}

/**
 * A participant: `T1`, `Q1`, or another input: `pr` / `pj` (a promise that resolves / rejects), `a2` (an array of two
 * values), `g2` (a generator of two), `D1` (the deferred promise D1), `ag2` (an async generator of two), `hr` / `hj`
 * (a thenable that resolves / rejects in a microtask; `hrs` / `hjs`: inside its `then`; a suffix `n`, `t`, `wr` / `wj`
 * when it never calls back, its `then` throws, it calls back twice), `i2` (an interop Observable of two values),
 * `rs2c` (a `ReadableStream` of two chunks, closed; `e`: errored, `o`: left open).
 */
function fmtParticipant(p: Participant): string {
  if (typeof p === 'number') return `T${p}`;
  if ('q' in p) return `Q${p.q}`;
  return fmtOther(p);
}

export function fmtOther(o: OtherInput): string {
  if ('p' in o) return o.p === 'resolve' ? 'pr' : 'pj';
  if ('arr' in o) return `a${o.arr}`;
  if ('agen' in o) return `ag${o.agen}`;
  if ('then' in o) {
    const odd = o.odd === undefined ? '' : o.odd === 'twice' ? `w${o.again === 'resolve' ? 'r' : 'j'}` : o.odd[0];
    return `h${o.then === 'resolve' ? 'r' : 'j'}${o.sync ? 's' : ''}${odd}`;
  }
  if ('iop' in o) return `i${o.iop}`;
  if ('rs' in o) return `rs${o.rs}${o.end[0]}`;
  return 'gen' in o ? `g${o.gen}` : `D${o.d}`;
}

/** A consumer's source: `T1`, `Q1`, or another input (`fmtOther`). */
function fmtSource(c: { t: number; q?: boolean; o?: OtherInput }): string {
  return c.o !== undefined ? fmtOther(c.o) : `${c.q === true ? 'Q' : 'T'}${c.t}`;
}

/** How a `sub` line describes the consumer it creates. */
export function fmtConsumer(c: ConsumerSpec): string {
  switch (c.kind) {
    case 'all':
    case 'any':
      return `${c.kind}[${c.ts.map(fmtParticipant).join(',')}]${fmtSig(c.s)}`;
    case 'await':
      return `await ${fmtSource(c)}${c.shield ? ' shield' : ''}${fmtSig(c.s)}`;
    case 'cancelWhen':
      return `cancelWhen ${fmtSource(c)}${fmtSig(c.s)}`;
    default:
      return `${c.kind} ${fmtSource(c)}${c.o !== undefined && c.form === 'pipe' ? ' from' : ''}`;
  }
}

/** The line a `link` action logs: `link L3 C0,T1,L2` (the output it makes, and its inputs). */
export function fmtLink(k: number, inputs: readonly SigRef[]): string {
  return `link L${k}${inputs.length === 0 ? '' : ' '}${inputs.map((s) => fmtSig(s).slice(2)).join(',')}`;
}

/**
 * The line a `task` action logs: `task T3 @L1` (the task it makes, and its `options.signal`), `startTask T3 @L1` (made
 * and started), or `task none` / `startTask none` once every task is made.
 */
export function fmtTask(i: number | null, link: SigRef | undefined, start: boolean): string {
  return `${start ? 'startTask' : 'task'} ${i === null ? 'none' : `T${i}${fmtSig(link)}`}`;
}
