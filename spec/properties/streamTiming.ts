/**
 * When `from(readableStream)` delivers, in microtasks: measured in the running
 * process, not assumed. RxJS pulls Node's `ReadableStream` through Node's own
 * async iterator (it is async iterable, which `innerFrom` tries first), so the
 * number of microtasks between two reads is Node's internal detail (it changed
 * in Node 22), and under Jest each host promise RxJS awaits costs extra ones
 * (the test context's promises are not the host's). The model (`later`) asks
 * this table instead of a list of Node versions, so a Node release that
 * changes the count changes the table, not the verdict.
 */
import { from } from 'rxjs';

/** The shapes the programs draw (program.ts, `OtherInput`'s `rs`): 0–2 chunks enqueued up front. */
export const MAX_STREAM_CHUNKS = 2;

export interface StreamTiming {
  /**
   * `[end][n]`: for a stream of n chunks enqueued up front and then closed, or left open, how many microtasks
   * from the subscription to the first notification, then from each notification to the next: n chunks, then
   * (closed only) the completion.
   */
  reads: Record<'close' | 'open', number[][]>;
  /** From the subscription to the error of a stream errored at creation (its chunks are dropped). */
  error: number;
}

let measured: Promise<StreamTiming> | undefined;

/** Measures once per module registry (each spec file). */
export function streamTiming(): Promise<StreamTiming> {
  return (measured ??= measure());
}

async function measure(): Promise<StreamTiming> {
  const reads: StreamTiming['reads'] = { close: [], open: [] };
  for (let n = 0; n <= MAX_STREAM_CHUNKS; n++) {
    reads.close.push(await deltas(n, 'close', n + 1));
    reads.open.push(await deltas(n, 'open', n));
  }
  const [error] = await deltas(MAX_STREAM_CHUNKS, 'error', 1);
  return { reads, error: error! };
}

/**
 * Subscribes `from()` of one stream and counts microtasks with a chain started first, so that at every depth the
 * chain's job runs before the stream's: a notification `d` microtasks after the subscription sees the count `d`.
 */
async function deltas(chunks: number, end: 'close' | 'open' | 'error', expected: number): Promise<number[]> {
  let count = 0;
  const step = () => {
    if (++count < 100) queueMicrotask(step); // bounded: the macrotask below must get its turn
  };
  queueMicrotask(step);
  const at: number[] = [];
  const heard = () => void at.push(count);
  const stream = new ReadableStream<number>({
    start(controller) {
      for (let j = 0; j < chunks; j++) controller.enqueue(j);
      if (end === 'close') controller.close();
      if (end === 'error') controller.error(new Error('measuring'));
    },
  });
  const subscription = from(stream).subscribe({ next: heard, error: heard, complete: heard });
  await new Promise((resolve) => setTimeout(resolve, 0));
  subscription.unsubscribe();
  if (at.length !== expected || at.some((tick) => tick >= 100)) {
    throw new Error(`streamTiming: ${chunks} chunks, ${end}: heard ${at.length} of ${expected}, at ${at.join(', ')}`);
  }
  return at.map((tick, j) => tick - (j === 0 ? 0 : at[j - 1]!));
}
