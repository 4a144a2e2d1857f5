/**
 * One check of one program: run it against the package, check the generic
 * invariants on what happened, then compare everything with the model.
 * Used by properties.spec.ts (random programs) and regressions.spec.ts
 * (every counterexample ever found, replayed by name).
 */
import { violations } from './invariants';
import { predict } from './model';
import { normalize, type Program } from './program';
import { execute } from './run';
import { streamTiming } from './streamTiming';

export async function checkProgram(raw: Program): Promise<void> {
  const program = normalize(raw);
  const run = await execute(program);
  expect(violations(run)).toEqual([]);
  const model = predict(program, await streamTiming());
  expect({
    log: run.log,
    awaits: run.awaits,
    final: run.final,
    unhandled: run.unhandled,
    rejections: run.rejections,
    streams: run.streams,
  }).toEqual(model);
}

/** FC_SEED / FC_RUNS, with the CI defaults. */
export function fcSettings(defaultRuns: number): { seed: number; numRuns: number } {
  const seed = process.env.FC_SEED === undefined ? 20251125 : Number(process.env.FC_SEED);
  const numRuns = process.env.FC_RUNS === undefined ? defaultRuns : Number(process.env.FC_RUNS);
  if (!Number.isInteger(seed) || !Number.isInteger(numRuns) || numRuns < 1) {
    throw new Error(`FC_SEED and FC_RUNS must be integers (got ${process.env.FC_SEED}, ${process.env.FC_RUNS})`);
  }
  return { seed, numRuns };
}
