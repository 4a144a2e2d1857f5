// A jest reporter that only acts when jest's process outlives its run (docs/packaging.md, "A jest run that does not
// exit"). 10 s after the run, if the process is still alive, it prints to stderr what keeps Node's event loop alive:
// the resources Node counts, and every live timer and timer list, found on the heap through the inspector (Node keeps
// its timer lists private). If all that is left is a count of referenced timers with no such timer alive, which
// nothing can ever clear, it then exits, with the exit code jest has set for the run. Anything else it leaves as it
// is: a real leak keeps the process up, as it should.
const inspector = require('node:inspector');

const WAIT_MS = Number(process.env.JEST_EXIT_WATCH_MS) || 10_000; // shorter in its spec

/** Runs `describe` over every object on the heap whose prototype is `prototype`; returns what it gave. */
function heapObjects(post, prototype, describe) {
  globalThis.__jestExitWatchPrototype = prototype;
  try {
    const { result } = post('Runtime.evaluate', { expression: 'globalThis.__jestExitWatchPrototype' });
    const { objects } = post('Runtime.queryObjects', { prototypeObjectId: result.objectId });
    const described = post('Runtime.callFunctionOn', {
      objectId: objects.objectId,
      functionDeclaration: `function () { return this.map(${describe}); }`,
      returnByValue: true,
    });
    return described.result.value;
  } finally {
    delete globalThis.__jestExitWatchPrototype;
  }
}

/** The main thread's live timers and timer lists. */
function liveTimers() {
  const session = new inspector.Session();
  session.connect();
  const post = (method, params) => {
    let answer;
    session.post(method, params, (error, value) => {
      if (error) throw error;
      answer = value;
    });
    return answer; // a session in the same thread answers before post() returns
  };
  const probe = setTimeout(() => {}, 1);
  const listPrototype = Object.getPrototypeOf(probe._idlePrev);
  clearTimeout(probe);
  try {
    const timers = heapObjects(
      post,
      Object.getPrototypeOf(probe),
      '(t) => ({ ms: t._idleTimeout, destroyed: t._destroyed, ref: t.hasRef(), callback: String(t._onTimeout).slice(0, 160) })',
    ).filter((timer) => !timer.destroyed);
    const lists = heapObjects(
      post,
      listPrototype,
      '(l) => ({ ms: l.msecs, expiry: l.expiry, empty: l._idleNext === l })',
    );
    return { timers, lists };
  } finally {
    session.disconnect();
  }
}

class JestExitWatch {
  constructor(globalConfig) {
    this._watching = globalConfig.watch || globalConfig.watchAll; // `jest --watch` stays up on purpose
  }

  onRunComplete() {
    if (this._watching) return;
    setTimeout(() => {
      const resources = process.getActiveResourcesInfo();
      let timers;
      let lists;
      try {
        ({ timers, lists } = liveTimers());
      } catch (error) {
        // a Node built without the inspector: say so, and leave the process as it is
        process.stderr.write(`jest-exit-watch: the process is still alive; its timers could not be read: ${error}\n`);
        return;
      }
      const counted = resources.filter((resource) => resource === 'Timeout').length;
      // Handles and requests besides stdio (pipes when jest's streams are piped: a parent's pipe for stdin, which
      // jest opens on Node 18, and stdout and stderr, whose pending writes would be requests). Recognised by their
      // file descriptor: reading process.stdin would create it. Undocumented (DEP0161, documentation only), there
      // from Node 0.x to 26.
      const isStdio = (handle) => [0, 1, 2].includes(handle?._handle?.fd);
      const others = [
        ...process._getActiveHandles().filter((handle) => !isStdio(handle)),
        ...process._getActiveRequests(),
      ];
      const phantom = counted > 0 && !resources.includes('Immediate') && !others.length && !timers.some((t) => t.ref);
      process.stderr.write(
        `jest-exit-watch: the process is still alive ${WAIT_MS / 1000} s after the run ` +
          `(${Math.round(performance.now() / 1000)} s in). Active resources: ${JSON.stringify(resources)}; ` +
          `live timers: ${JSON.stringify(timers)}; timer lists: ${JSON.stringify(lists)}\n`,
      );
      if (phantom) {
        process.stderr.write(
          `jest-exit-watch: Node counts ${counted} referenced timer(s) and none is alive: nothing can clear them, ` +
            'and the process would stay up until the last timer list expires. Exiting now.\n',
        );
        process.exit(); // keeps process.exitCode, which jest sets for the run from its 'exit' listener
      }
    }, WAIT_MS).unref();
  }
}

module.exports = JestExitWatch;
