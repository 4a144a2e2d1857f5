// The seed scenario: a parent waits on a child that sleeps for an hour.
// Main cancels either the parent or the child; the parent must tell
// "I am cancelled" from "the child I awaited is cancelled".
//
// asyncio cannot: both arrive as the same CancelledError at the same await.
// Plain RxJS cannot either: the child's cancellation is a silent
// unsubscription, so the parent would hang or see a fake completion.
//
// Run: npm start   (builds the package, then runs this file)
import * as rx from 'rxjs';
import * as lib from 'rxjs-cancel';
import { seedTasks } from './seed-tasks.mjs';

const SETTLE = 20; // ms before main cancels someone
const { sleepyChild, parentWithDetectCancel, parentWithAwaitTask } = seedTasks(lib, rx);
const say = (line) => console.log(line);

/** Starts parent and child, lets them settle, cancels one, and waits for the dust to settle. */
async function scenario(title, makeParent, whom) {
  console.log(`\n=== ${title}: main cancels the ${whom}`);
  const child = sleepyChild(say);
  const parent = makeParent(child, say);
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
