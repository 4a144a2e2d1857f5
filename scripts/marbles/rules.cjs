'use strict';
/**
 * The contract rules (../shared/CONTRACT.md) that marble cases show, by id.
 * A case names the rules it shows in its `covers:` line. `required: true`
 * marks the rows of the contract's operator table and the combinator rules:
 * spec/marbles.spec.ts fails unless each of them has at least one case.
 */
const RULES = {
  // The operator table: how the consumer subscribes × what happens.
  'table.plain.cancelled': {
    required: true,
    text: 'plain subscribe, the child is cancelled by someone else: error CancelledError (ambiguous, like asyncio)',
  },
  'table.plain.unsubscribe': {
    required: true,
    text: 'plain subscribe, the consumer unsubscribes: releases ownership; the task is cancelled if it was the last owner',
  },
  'table.detectCancel.cancelled': {
    required: true,
    text: 'detectCancel(), the child is cancelled by someone else: error ChildCancelled',
  },
  'table.detectCancel.unsubscribe': {
    required: true,
    text: 'detectCancel(), the consumer unsubscribes: same as plain, propagates normally',
  },
  'table.shield.cancelled': {
    required: true,
    text: 'shield(), the child is cancelled by someone else: error ChildCancelled',
  },
  'table.shield.unsubscribe': {
    required: true,
    text: 'shield(), the consumer unsubscribes: the task keeps running to its own end; its result stays available to later subscribers',
  },

  // Combinators.
  'combinators.cold': {
    required: true,
    text: 'the result observables are cold: participants start when the result is subscribed',
  },
  'combinators.released-owned': {
    required: true,
    text: 'a released participant owned only by the combinator is cancelled',
  },
  'combinators.released-shared': { required: true, text: 'a released participant owned elsewhere too keeps running' },
  'combinators.release-before-report': {
    required: true,
    text: 'an early end (or a win) releases the other participants before the result reports: a task linked to a released one ends first',
  },
  'combinators.pending-cancelled': {
    required: false,
    text: 'a pending participant the combinator never started is cancelled without starting when it ends early (no deadlock)',
  },
  'whenAll.results': {
    required: true,
    text: 'whenAllCancellable emits one array of last values in source order when all have completed, then completes',
  },
  'whenAll.undefined-result': {
    required: true,
    text: 'a participant that completed without a value contributes undefined',
  },
  'whenAll.error': { required: true, text: 'a participant errors: the others are released, then the error is emitted' },
  'whenAll.first-error-wins': { required: true, text: 'the first error wins; later ones are dropped' },
  'whenAll.child-cancelled': {
    required: true,
    text: 'a participant cancelled by someone else: the others are released, then ChildCancelled naming it is emitted',
  },
  'whenAll.signal': {
    required: true,
    text: 'signal aborts: all are released, then CancelledError with reason === signal.reason and no task is emitted',
  },
  'whenAll.signal-owns-participant-cancellation': {
    required: true,
    text: 'a participant cancellation that arrives while signal is aborted counts as the signal abort, never as ChildCancelled',
  },
  'whenAll.pre-aborted': {
    required: true,
    text: 'an already aborted signal errors at subscription without starting any participant',
  },
  'whenAll.pre-aborted-empty': { required: true, text: 'an already aborted signal wins over an empty list' },
  'whenAll.empty': { required: true, text: 'whenAllCancellable([]) emits [] and completes' },
  'whenAll.unsubscribe': { required: true, text: 'unsubscribing the result releases every participant' },
  'whenAny.first-wins': {
    required: true,
    text: 'whenAnyCancellable: the first participant to complete wins; the others are released before { index, value } is emitted and the result completes',
  },
  'whenAny.error': {
    required: true,
    text: 'whenAnyCancellable: a participant that errors before a winner ends the race with its error',
  },
  'whenAny.child-cancelled': {
    required: true,
    text: 'whenAnyCancellable: a participant cancelled before a winner ends the race with ChildCancelled',
  },
  'whenAny.signal': {
    required: true,
    text: 'whenAnyCancellable: the abort of signal ends the race with CancelledError(signal.reason)',
  },
  'whenAny.pre-aborted': {
    required: true,
    text: 'whenAnyCancellable: an already aborted signal errors at subscription without starting any participant',
  },
  'whenAny.signal-owns-participant-cancellation': {
    required: true,
    text: 'whenAnyCancellable: a participant cancellation that arrives while signal is aborted counts as the signal abort',
  },
  'whenAny.empty': { required: true, text: 'whenAnyCancellable([]) is a TypeError' },
  'whenAny.undefined-value': {
    required: false,
    text: 'a winner that completed without a value wins with value undefined',
  },

  // Task, operators, signals: shown too, not required by the table.
  'task.lazy': { required: false, text: 'a task is pending until its first subscription: nothing runs before' },
  'task.start': { required: false, text: 'start() runs a task without an observer; start() is not an owner' },
  'task.multicast': {
    required: false,
    text: 'all observers share one run; a late observer first gets the latest value',
  },
  'task.replay': { required: false, text: 'an observer arriving after the end gets the latest value, then the end' },
  'task.refcount': {
    required: false,
    text: 'the last owning observer leaving cancels the task; other owners keep it running',
  },
  'task.refcount-false': { required: false, text: 'refCount: false keeps the task running when its last owner leaves' },
  'task.first-reason-wins': { required: false, text: 'cancel() on an ended task is a no-op: the first reason wins' },
  'task.pending-cancel': { required: false, text: 'a pending task that is cancelled never subscribes its source' },
  'task.cancellation-order': {
    required: true,
    text: "inside a cancellation the source is torn down (step 3), then what is linked to the task's signal reacts (step 4), then the observers hear it (step 5)",
  },
  'task.signal': { required: false, text: 'the abort of options.signal cancels the task with the signal reason' },
  'task.linked-child': {
    required: false,
    text: "a task created with options.signal === parent.signal is cancelled with the parent's CancelledError as its reason",
  },
  'task.own-cancellation': {
    required: false,
    text: "a task's body never receives a ChildCancelled caused by that task's own cancellation",
  },
  'task.body-detects-child': {
    required: false,
    text: "a body that awaits a child through detectCancel hears the child's cancellation as ChildCancelled",
  },
  'detectCancel.non-task': {
    required: false,
    text: 'detectCancel on a non-task source turns an upstream CancelledError into ChildCancelled',
  },
  'detectCancel.other-errors': { required: false, text: 'detectCancel passes every other error unchanged' },
  'shield.pinned': { required: false, text: 'a shielded task is pinned: no unsubscription can cancel it any more' },
  'shield.non-task': {
    required: false,
    text: 'shield on a non-task source runs each subscription of it to its own end, as a wrapper task would (the result stays cold)',
  },
  'cancelWhen.abort': {
    required: false,
    text: 'cancelWhen: when signal aborts, the source is unsubscribed, then CancelledError(signal.reason)',
  },
  'cancelWhen.pre-aborted': {
    required: false,
    text: 'cancelWhen: an already aborted signal errors at once without subscribing the source',
  },
  'cancelWhen.passes': { required: false, text: 'cancelWhen: until the signal aborts, everything passes unchanged' },
  'cancelWhen.own-cancellation': {
    required: false,
    text: "cancelWhen: a CancelledError arriving while signal is aborted is the consumer's own cancellation",
  },
};

module.exports = { RULES };
