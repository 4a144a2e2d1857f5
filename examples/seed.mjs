// The seed scenario: a parent waits on a child that sleeps for an hour.
// Main cancels either the parent or the child; the parent must tell
// "I am cancelled" from "the child I awaited is cancelled".
//
// asyncio cannot: both arrive as the same CancelledError at the same await.
// Plain RxJS cannot either: the child's cancellation is a silent
// unsubscription, so the parent would hang or see a fake completion.
//
// Run: npm start   (builds the package, then runs this file)
import { EMPTY, Observable, catchError, finalize } from 'rxjs';
import { awaitTask, ChildCancelled, detectCancel, task } from 'rxjs-cancel';

const HOUR = 60 * 60 * 1000;
const SETTLE = 20; // ms before main cancels someone

/** A child that sleeps for an hour and says how its sleep ended. */
function sleepyChild() {
  return task(
    (signal) =>
      new Observable((subscriber) => {
        console.log('child: sleeping for an hour');
        const timer = setTimeout(() => subscriber.complete(), HOUR);
        return () => {
          clearTimeout(timer);
          console.log(`child: teardown (${signal.aborted ? 'cancelled' : 'finished'})`);
        };
      }),
    { name: 'child' },
  );
}

/** Variant 1: the parent pipes the child through detectCancel(). */
function parentWithDetectCancel(child) {
  return task(
    (signal) =>
      child.pipe(
        detectCancel(),
        catchError((error) => {
          if (!(error instanceof ChildCancelled)) throw error;
          console.log('parent: child is cancelled now');
          return EMPTY;
        }),
        finalize(() => {
          // The parent's own cancellation never arrives as an error: only as
          // this teardown, with its signal aborted.
          if (signal.aborted) console.log('parent: I am cancelled');
          console.log('parent: teardown');
        }),
      ),
    { name: 'parent' },
  );
}

/** Variant 2: the parent is an async function that awaits the child with awaitTask(). */
function parentWithAwaitTask(child) {
  return task(
    async (signal) => {
      try {
        await awaitTask(child, { signal });
        console.log('parent: child finished');
      } catch (error) {
        if (error instanceof ChildCancelled) console.log('parent: child is cancelled now');
        else if (signal.aborted) console.log('parent: I am cancelled');
        else throw error;
      } finally {
        console.log('parent: teardown');
      }
    },
    { name: 'parent' },
  );
}

/** Starts parent and child, lets them settle, cancels one, and waits for the dust to settle. */
async function scenario(title, makeParent, whom) {
  console.log(`\n=== ${title}: main cancels the ${whom}`);
  const child = sleepyChild();
  const parent = makeParent(child);
  parent.subscribe({
    error: (error) => console.log(`main: parent ended with ${error.name} (${error.message})`),
    complete: () => console.log('main: parent completed'),
  });
  await delay(SETTLE);
  if (whom === 'parent') parent.cancel('main cancels the parent');
  else child.cancel('main cancels the child');
  await delay(SETTLE);
  console.log(`main: parent is ${parent.state}, child is ${child.state}`);
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

await scenario('detectCancel', parentWithDetectCancel, 'parent');
await scenario('detectCancel', parentWithDetectCancel, 'child');
await scenario('awaitTask', parentWithAwaitTask, 'parent');
await scenario('awaitTask', parentWithAwaitTask, 'child');
