// The seed scenario's tasks, written once. The demo (seed.mjs), the smoke tests of the
// built files (scripts/seed-scenario.cjs) and the browser run (spec-browser/) all use
// them, each passing the copy of rxjs-cancel (and rxjs) it checks.
//
// A child sleeps for an hour; a parent waits on it, either by piping it through
// detectCancel() or, as an async function, with awaitTask(). `say(line)` hears what
// each of them says.

/**
 * @param {typeof import('rxjs-cancel')} lib a loaded copy of rxjs-cancel
 * @param {typeof import('rxjs')} rx rxjs
 */
export function seedTasks(lib, rx) {
  const { awaitTask, ChildCancelled, detectCancel, task } = lib;
  const { catchError, EMPTY, finalize, Observable } = rx;
  const HOUR = 60 * 60 * 1000;

  /** A child that sleeps for an hour and says how its sleep ended. */
  function sleepyChild(say) {
    return task(
      (signal) =>
        new Observable((subscriber) => {
          say('child: sleeping for an hour');
          const timer = setTimeout(() => subscriber.complete(), HOUR);
          return () => {
            clearTimeout(timer);
            say(`child: teardown (${signal.aborted ? 'cancelled' : 'finished'})`);
          };
        }),
      { name: 'child' },
    );
  }

  /** The parent pipes the child through detectCancel(). */
  function parentWithDetectCancel(child, say) {
    return task(
      (signal) =>
        child.pipe(
          detectCancel(),
          catchError((error) => {
            if (!(error instanceof ChildCancelled)) throw error;
            say('parent: child is cancelled now');
            return EMPTY;
          }),
          finalize(() => {
            // The parent's own cancellation never arrives as an error: only as this
            // teardown, with its signal aborted.
            if (signal.aborted) say('parent: I am cancelled');
            say('parent: teardown');
          }),
        ),
      { name: 'parent' },
    );
  }

  /** The parent is an async function that awaits the child with awaitTask(). */
  function parentWithAwaitTask(child, say) {
    return task(
      async (signal) => {
        try {
          await awaitTask(child, { signal });
          say('parent: child finished');
        } catch (error) {
          if (error instanceof ChildCancelled) say('parent: child is cancelled now');
          else if (signal.aborted) say('parent: I am cancelled');
          else throw error;
        } finally {
          say('parent: teardown');
        }
      },
      { name: 'parent' },
    );
  }

  return { sleepyChild, parentWithDetectCancel, parentWithAwaitTask };
}
