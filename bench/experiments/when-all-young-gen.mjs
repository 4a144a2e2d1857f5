// Not a scenario (`npm run bench` does not run it): the experiment behind
// BENCHMARKS.md's note on `whenAllCancellable`'s linearity ("Targets missed",
// item 2); the figures of its runs are in bench/HISTORY.md.
//
// Runs the when-all scenario (../when-all.bench.mjs, unchanged) in child
// processes, alternating two heaps:
//   - "default": Node's own young generation, as `npm run bench` runs it;
//   - "128 MB semi-space": `--max-semi-space-size=128`, a young generation
//     large enough to hold every participant of a call at N=1e5, so that no
//     participant is copied or promoted by a scavenge during the call.
// Prints the scenario's growth rows (×10 N → ×? time; the target is ≤ ×12)
// for each run. Nothing of the package differs between the two heaps: what
// the rows change by is what the young generation charges for N live objects.
//
//   npm run build && node bench/experiments/when-all-young-gen.mjs [runs per heap, default 2]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HEAPS = { default: [], '128 MB semi-space': ['--max-semi-space-size=128'] };

if (process.argv[2] === '--child') {
  const scenario = await import('../when-all.bench.mjs');
  const rows = await scenario.run();
  process.stdout.write(JSON.stringify(rows.filter((row) => /linear|reference/.test(row.case))));
} else {
  const runs = Number(process.argv[2] ?? 2);
  const self = fileURLToPath(import.meta.url);
  const growth = {}; // case → heap → measured, one per run
  for (let run = 0; run < runs; run++) {
    for (const [heap, flags] of Object.entries(HEAPS)) {
      const out = execFileSync(process.execPath, ['--expose-gc', ...flags, self, '--child'], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      });
      for (const row of JSON.parse(out)) ((growth[row.case] ??= {})[heap] ??= []).push(row.measured);
      console.error(`run ${run + 1}/${runs}, ${heap}: done`);
    }
  }
  console.log(`Node ${process.versions.node}, ${runs} run(s) per heap, ×10 N → time`);
  for (const [label, byHeap] of Object.entries(growth)) {
    console.log(`\n${label}`);
    for (const heap of Object.keys(HEAPS)) console.log(`  ${heap.padEnd(18)} ${(byHeap[heap] ?? []).join('; ')}`);
  }
}
