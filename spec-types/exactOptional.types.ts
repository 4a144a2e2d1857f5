/**
 * Under `exactOptionalPropertyTypes` (spec-types/tsconfig.exact-optional.json), every option may be given as
 * `undefined`, as the package accepts at run time: an optional signal passes through without a spread.
 */
import { of } from 'rxjs';
import { awaitTask, startTask, task, whenAllCancellable, whenAnyCancellable } from '../src';

declare const maybeSignal: AbortSignal | undefined;
declare const maybeName: string | undefined;
declare const maybeFlag: boolean | undefined;

task(of(1), { signal: maybeSignal, name: maybeName, refCount: maybeFlag });
startTask(of(1), { signal: maybeSignal });
void awaitTask(of(1), { signal: maybeSignal, shield: maybeFlag });
whenAllCancellable([of(1)], { signal: maybeSignal });
whenAnyCancellable([of(1)], { signal: maybeSignal });
// @ts-expect-error -- still an AbortSignal or undefined, nothing else
task(of(1), { signal: null });
