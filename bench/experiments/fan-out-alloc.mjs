// Not a scenario (`npm run bench` does not run it): how many bytes the cancellation of the fan-out allocates per
// child (bench/HISTORY.md, twenty-second landing). Run with a young generation large enough that nothing is
// collected during the timed call, so that the growth of V8's new space across it is what it allocated:
//
//   npm run build
//   node --expose-gc --min-semi-space-size=128 --max-semi-space-size=128 bench/experiments/fan-out-alloc.mjs
//
// The scenario's fixtures (bench/fan-out.bench.mjs), N=1e4 (or N=… from the environment), five rounds each: the
// floor's controllers, children that read their signal, children that do not. Prints bytes per child, per round.
import v8 from 'node:v8';
import { linkedControllers, linkedTasks } from '../fan-out.bench.mjs';

const N = Number(process.env.N ?? 1e4);
const newSpace = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_used_size;

function measure(label, build) {
  const perChild = [];
  for (let round = 0; round < 5; round++) {
    const run = build(N);
    gc();
    gc();
    const before = newSpace();
    run.go();
    perChild.push((newSpace() - before) / N);
  }
  console.log(`${label}: ${perChild.map((bytes) => bytes.toFixed(0)).join(', ')} B a child`);
}

measure('AbortControllers + listener + Set (the floor)', (n) => linkedControllers(n));
measure('linked tasks, every signal read', (n) => linkedTasks(n, true));
measure('linked tasks, signals not read', (n) => linkedTasks(n, false));
