// Size: min+gzip of dist/index.mjs as an app bundles it (rxjs external), for
// the whole package and for each export imported alone: ≤ 2.5 kB (issue 5).
// The size-limit configuration and the `test:size` script belong to the
// packaging work (issue 7); this reads their output (`--json`) and compares
// it with the issue's target. Without them, the rows are "pending".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export const title = 'size';

const TARGET_BYTES = 2500; // 2.5 kB, as size-limit counts (1 kB = 1000 B)

export function run() {
  const configured =
    ['.size-limit.json', '.size-limit.js', '.size-limit.cjs', '.size-limit.mjs', '.size-limit.ts'].some((f) =>
      existsSync(f),
    ) || JSON.parse(readFileSync('package.json', 'utf8'))['size-limit'] !== undefined;
  const script = JSON.parse(readFileSync('package.json', 'utf8')).scripts?.['test:size'];
  if (!configured || script === undefined) {
    return [
      { case: 'size-limit', measured: 'no size-limit configuration yet (issue 7)', target: '≤ 2.5 kB', pass: null },
    ];
  }
  const child = spawnSync('npm', ['run', '--silent', 'test:size', '--', '--json'], { encoding: 'utf8' });
  let entries;
  try {
    entries = JSON.parse(child.stdout.slice(child.stdout.indexOf('[')));
  } catch {
    return [
      {
        case: 'size-limit',
        measured: `could not read its output: ${child.stderr.trim().slice(0, 200)}`,
        target: '≤ 2.5 kB',
        pass: false,
      },
    ];
  }
  return entries.map((entry) => ({
    case: `${entry.name}, min+gzip, rxjs external`,
    measured: `${(entry.size / 1000).toFixed(2)} kB (size-limit budget ${entry.sizeLimit ? `${(entry.sizeLimit / 1000).toFixed(2)} kB, ${entry.passed ? 'met' : 'exceeded'}` : 'none'})`,
    target: '≤ 2.5 kB',
    pass: entry.size <= TARGET_BYTES,
  }));
}
