// What both browser-run pages share (app.mjs, zone.mjs): the seed scenario as a row, and the table of rows.
// Each page passes its own `delay` (the zone.js page waits on the platform's setTimeout, outside any zone).

const SETTLE = 30; // ms before main cancels someone, and after

/**
 * The seed scenario: `makeParent` (from examples/seed-tasks.mjs) waits on a sleepy child, and main cancels the
 * parent or the child; the row passes if the parent said only what that cancellation should make it say.
 */
export async function seedScenario({ sleepyChild }, delay, style, makeParent, whom) {
  const lines = [];
  const say = (line) => lines.push(line);
  const child = sleepyChild(say);
  const parent = makeParent(child, say);
  let mainSaw = 'nothing yet';
  parent.subscribe({
    error: (error) => (mainSaw = `${error.name} (task "${error.task?.name}")`),
    complete: () => (mainSaw = 'completed'),
  });
  await delay(SETTLE);
  if (whom === 'parent') parent.cancel('main cancels the parent');
  else child.cancel('main cancels the child');
  await delay(SETTLE);

  // What the parent says about the cancellation (not its teardown line), and the child's lines.
  const says = lines
    .filter((line) => line.startsWith('parent: ') && line !== 'parent: teardown')
    .map((l) => l.slice(8));
  const log = lines.filter((line) => line.startsWith('child: '));
  const expected = whom === 'parent' ? 'I am cancelled' : 'child is cancelled now';
  const expectedStates = whom === 'parent' ? 'parent cancelled, child cancelled' : 'parent completed, child cancelled';
  const states = `parent ${parent.state}, child ${child.state}`;
  return {
    name: `${style}: main cancels the ${whom}`,
    got: says.join(' + ') || '(nothing)',
    expected,
    pass: says.length === 1 && says[0] === expected && states === expectedStates,
    detail: `${states}; main saw: ${mainSaw}; ${log.join(', ')}`,
  };
}

/** The seed scenario's four rows: `detectCancel()` and `awaitTask()`, main cancelling the parent, then the child. */
export async function seedRows(seed, delay) {
  const rows = [];
  for (const [style, makeParent] of [
    ['detectCancel()', seed.parentWithDetectCancel],
    ['awaitTask()', seed.parentWithAwaitTask],
  ]) {
    for (const whom of ['parent', 'child']) rows.push(await seedScenario(seed, delay, style, makeParent, whom));
  }
  return rows;
}

/** Shows the rows (or the error that stopped the page) under a banner, with `metaHtml` above. */
export function render(rows, pass, error, metaHtml) {
  document.getElementById('meta').innerHTML = `${metaHtml}<br>${navigator.userAgent}`;
  const banner = document.getElementById('banner');
  banner.className = pass ? 'pass' : 'fail';
  banner.textContent = error
    ? `ERROR: ${error}`
    : `${pass ? 'PASS' : 'FAIL'}: ${rows.filter((r) => r.pass).length} of ${rows.length} scenarios as expected`;
  const tbody = document.getElementById('rows');
  tbody.replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement('tr');
      const cells = [
        [row.name, ''],
        [row.got, 'mono'],
        [row.expected, 'mono'],
        [row.pass ? '✓' : '✗', row.pass ? 'ok' : 'bad'],
      ];
      for (const [text, cls] of cells) {
        const td = document.createElement('td');
        td.textContent = text;
        if (cls) td.className = cls;
        tr.append(td);
      }
      const detail = document.createElement('div');
      detail.className = 'detail';
      detail.textContent = row.detail;
      tr.firstChild.append(detail);
      return tr;
    }),
  );
}
