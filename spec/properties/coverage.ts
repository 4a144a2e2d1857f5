/**
 * What a run exercised, so that a test can show the generator reaches the
 * interactions the invariants are about (a property that never re-enters
 * proves nothing about re-entrancy).
 */
import type { Run } from './run';

const has = (lines: readonly string[], re: RegExp) => lines.some((l) => re.test(l));

export const FEATURES: Record<string, (run: Run) => boolean> = {
  'a consumer heard ChildCancelled': (r) => has(r.log, /^X\d+ error CC\(/),
  'a consumer heard a plain CancelledError of a task': (r) => has(r.log, /^X\d+ error CE\(T/),
  'a consumer heard its own cancellation (CancelledError without task)': (r) => has(r.log, /^X\d+ error CE\(-/),
  'a consumer heard a source error': (r) => has(r.log, /^X\d+ error E\d/),
  'a consumer heard a factory error': (r) => has(r.log, /^X\d+ error (CC\()?F\d/),
  'whenAllCancellable emitted its results': (r) => has(r.log, /^X\d+ next \[/),
  'whenAnyCancellable emitted a winner': (r) => has(r.log, /^X\d+ next \{/),
  'a combinator ended early with an error': (r) =>
    r.consumers.some(
      (x) => (x.spec.kind === 'all' || x.spec.kind === 'any') && x.notifications.some((n) => n.kind === 'error'),
    ),
  'awaitTask resolved': (r) => Object.values(r.awaits).some((o) => o.startsWith('resolve')),
  'awaitTask rejected with ChildCancelled': (r) => Object.values(r.awaits).some((o) => o.startsWith('reject CC(')),
  'awaitTask rejected with its own cancellation': (r) =>
    Object.values(r.awaits).some((o) => o.startsWith('reject CE(-')),
  'a task body heard ChildCancelled': (r) => has(r.log, /\.body error CC\(/),
  'a task body heard a plain CancelledError': (r) => has(r.log, /\.body error CE\(/),
  'a linked task was cancelled by its parent task': (r) => has(r.final, /cancelled CE\(T\d+,CE\(T/),
  'a task was cancelled by a controller': (r) => has(r.final, /cancelled CE\(T\d+,(a|pre)\d+\)/),
  'a task was cancelled by its last owner leaving': (r) => has(r.final, /cancelled CE\(T\d+,undef\)/),
  'a task was cancelled from inside its own factory': (r) => has(r.final, /cancelled CE\(T\d+,self\d+\)/),
  'cancel() lost to an earlier reason': (r) => r.cancels.some((c) => !c.result),
  'a late subscriber got a replayed value': (r) =>
    r.consumers.some((x) => x.notifications.some((n) => n.kind === 'next' && n.duringSubscribe)),
  'a source was torn down while it was still subscribing': (r) => r.closedWhileSubscribing > 0,
  'an observer cancelled a task re-entrantly': (r) => r.reentrant.some((a) => /^(next|error|complete):cancel$/.test(a)),
  'an observer unsubscribed a consumer re-entrantly': (r) =>
    r.reentrant.some((a) => /^(next|error|complete):unsub$/.test(a)),
  'an observer aborted a controller re-entrantly': (r) =>
    r.reentrant.some((a) => /^(next|error|complete):abort$/.test(a)),
  'an observer drove a source re-entrantly': (r) =>
    r.reentrant.some((a) => /^(next|error|complete):(next|complete|error)$/.test(a)),
  'an observer subscribed a new consumer re-entrantly': (r) =>
    r.reentrant.some((a) => /^(next|error|complete):sub$/.test(a)),
  'an observer threw (reported as unhandled)': (r) => r.unhandled.some((u) => u.startsWith('U')),
  'a teardown threw (reported as unhandled)': (r) => r.unhandled.some((u) => u.startsWith('D')),
  'a factory threw after its own task was cancelled (reported as unhandled)': (r) =>
    r.unhandled.some((u) => u.startsWith('F')),
  'an abort listener acted re-entrantly': (r) => r.reentrant.some((a) => a.startsWith('listener:')),
  'a task was cancelled through a linkSignals output': (r) =>
    r.program.tasks.some((spec, i) => {
      const link = spec.link !== undefined && 'l' in spec.link ? r.links[spec.link.l]! : undefined;
      const t = r.tasks[i]!;
      return link !== undefined && t.state === 'cancelled' && t.signal.reason.reason === link.signal.reason;
    }),
  'a consumer heard its own cancellation through a linkSignals output': (r) =>
    r.consumers.some((x) => {
      const s = 's' in x.spec ? x.spec.s : undefined;
      if (s === undefined || !('l' in s)) return false;
      const own = `X${x.idx} error CE(-,`;
      return (
        x.notifications.some((n) => n.kind === 'error' && r.log[n.seq]!.startsWith(own)) ||
        x.outcome?.startsWith('reject CE(-,') === true
      );
    }),
  "a linkSignals output's abort listener acted re-entrantly": (r) =>
    r.reentrant.some((a) => a.startsWith('output listener:')),
  'unlink() let go of an output before it aborted': (r) => r.liveUnlinks > 0,
};

export function features(run: Run): string[] {
  return Object.entries(FEATURES)
    .filter(([, present]) => present(run))
    .map(([name]) => name);
}
