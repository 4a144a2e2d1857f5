'use strict';
/**
 * Renders parsed marble cases (parse.cjs) as SVG marble diagrams, and the
 * gallery page docs/marbles.md. Pure functions of the parsed files: no
 * browser, no network, no clock, so the output is reproducible and a test
 * can compare it with the committed files.
 *
 * One element with a `data-event` attribute per event of the case (see
 * parse.cjs `caseEvents`); everything else (lines, labels, legend) has none.
 */
const { formatValue } = require('./parse.cjs');
const { RULES } = require('./rules.cjs');

const FONT_SANS = "'DejaVu Sans', 'Segoe UI', 'Helvetica Neue', Arial, sans-serif";
const FONT_MONO = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";
const MONO_CHAR = 0.61; // advance of a monospace character, in em (DejaVu Sans Mono: 0.602)
const SANS_CHAR = 0.58; // a generous average for sans text

const FRAME_W = 34;
const MARGIN = 20;
const LANE_H = 14;

const COLOR = {
  text: '#1f2328',
  muted: '#57606a',
  faint: '#8c959f',
  grid: '#eef1f4',
  gridStrong: '#d8dee4',
  line: '#24292f',
  idle: '#c9d1d9',
  complete: '#24292f',
  error: '#cf222e',
  cancelled: '#8250df',
  child: '#e16f24',
  action: '#bf3989',
  start: '#1a7f37',
  consumer: '#0969da',
  window: '#9ec5fe',
  box: '#f6f8fa',
  boxStroke: '#d0d7de',
};

/** Fill colours for values, by character: the same letter has the same colour in every picture. */
const VALUE_FILLS = [
  '#a5d8ff',
  '#b2f2bb',
  '#ffec99',
  '#ffc9c9',
  '#d0bfff',
  '#99e9f2',
  '#ffd8a8',
  '#eebefa',
  '#c0eb75',
  '#e9ecef',
];
function valueFill(char) {
  return VALUE_FILLS[char.codePointAt(0) % VALUE_FILLS.length];
}

function esc(text) {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const monoWidth = (text, size) => [...text].length * size * MONO_CHAR;
const sansWidth = (text, size) => [...text].length * size * SANS_CHAR;

function wrap(text, size, width) {
  const words = text.split(/\s+/);
  const lines = [];
  let current = '';
  for (const word of words) {
    const candidate = current ? `${current} ${word}` : word;
    if (current && sansWidth(candidate, size) > width) {
      lines.push(current);
      current = word;
    } else {
      current = candidate;
    }
  }
  if (current) lines.push(current);
  return lines;
}

// ---------------------------------------------------------------------------
// Rows: what the picture shows, line by line

/**
 * Works out the rows of a case:
 * - one row per AbortController (`ctl = new AbortController()`);
 * - one row per task; a task over a source that nothing else uses shares
 *   that source's row (`child = task(s)` shows s's marble);
 * - one row per other source, one more per extra subscription of a cold one;
 * - one box (the expression) and one output row per consumer.
 */
function layoutRows(c) {
  const declarations = new Map(c.declarations.map((d) => [d.name, d]));
  const timelines = (kind, name) =>
    c.timelines.filter((t) => t.kind === kind && (name === undefined || t.name === name));
  const sourceLine = (name) => c.timelines.find((t) => (t.kind === 'cold' || t.kind === 'hot') && t.name === name);
  const refCount = new Map();
  const countRefs = (expr) => {
    if (expr.type === 'ref') refCount.set(expr.name, (refCount.get(expr.name) ?? 0) + 1);
    else if (expr.type === 'pipe') countRefs(expr.source);
    else if (expr.type === 'combine') expr.sources.forEach(countRefs);
  };
  for (const d of c.declarations) {
    if (d.kind === 'task') countRefs(d.body);
    if (d.kind === 'expr') countRefs(d.expr);
  }
  const mergedSource = new Map(); // task name -> source name
  for (const d of c.declarations) {
    if (d.kind === 'task' && d.body.type === 'ref' && sourceLine(d.body.name) && refCount.get(d.body.name) === 1) {
      mergedSource.set(d.name, d.body.name);
    }
  }
  const merged = new Set(mergedSource.values());

  const inputs = [];
  const sourceRows = (name, label, extra) => {
    const line = sourceLine(name);
    const subs = timelines('subs', name);
    const windows = subs.map((t) => subscriptionWindow(t));
    const live = windows.filter((w) => w.from !== undefined);
    const runs = line.kind === 'cold' && live.length > 1 ? live : [live[0]];
    runs.forEach((w, i) => {
      inputs.push({
        type: 'source',
        label: i === 0 ? label : `${name} (subscription ${i + 1})`,
        sublabel: i === 0 ? extra.sublabel : 'a new run of the cold source',
        line,
        offset: line.kind === 'cold' && w && w.from !== undefined ? w.from : 0,
        window: w,
        subs:
          i === 0
            ? subs.filter((t, j) => line.kind !== 'cold' || live.length <= 1 || windows[j] === w)
            : subs.filter((t, j) => windows[j] === w),
        echo: i > 0,
        actions: i === 0 ? extra.actions : [],
        task: extra.task,
      });
    });
  };
  for (const d of c.declarations) {
    if (d.kind === 'controller') {
      inputs.push({
        type: 'controller',
        label: `${d.name} = new AbortController()`,
        actions: timelines('abort', d.name),
      });
    } else if (d.kind === 'task') {
      const actions = [...timelines('cancel', d.name), ...timelines('start', d.name)];
      const label = `${d.name} = ${d.text}`;
      if (mergedSource.has(d.name)) {
        sourceRows(mergedSource.get(d.name), label, {
          actions,
          task: d,
          sublabel: `${sourceLine(mergedSource.get(d.name)).kind} ${mergedSource.get(d.name)}`,
        });
      } else {
        inputs.push({ type: 'task', label, actions, task: d });
      }
    }
  }
  for (const t of c.timelines) {
    if ((t.kind === 'cold' || t.kind === 'hot') && !merged.has(t.name)) {
      sourceRows(t.name, t.name, { actions: [], sublabel: t.kind === 'hot' ? 'hot' : 'cold' });
    }
  }
  const outputs = c.consumers.map((consumer) => {
    const d = declarations.get(consumer.name);
    const text = d.kind === 'expr' ? d.text : d.name;
    const plain = d.kind === 'task' || (d.kind === 'expr' && d.expr.type === 'ref' && c.kinds[d.expr.name] === 'task');
    return {
      type: 'output',
      label: consumer.name,
      box: `${consumer.name} = ${text}${plain ? '   (plain subscribe)' : ''}`,
      expect: consumer.expect,
      subscribe: consumer.subscribe,
    };
  });
  return { inputs, outputs };
}

/** `--^---!` → { from: 2, to: 6 }; a line without `^` → {} (never subscribed). */
function subscriptionWindow(t) {
  const sub = t.events.find((e) => e.kind === 'subscribe');
  const unsub = t.events.find((e) => e.kind === 'unsubscribe');
  return { from: sub ? sub.frame : undefined, to: unsub ? unsub.frame : undefined, line: t };
}

// ---------------------------------------------------------------------------
// Marks

/** The SVG of one mark, centred on (x, y). */
function markShape(kind, x, y, char, ghost) {
  const g = ghost ? ' opacity="0.32"' : '';
  switch (kind) {
    case 'next':
      return (
        `<circle cx="${x}" cy="${y}" r="12" fill="${valueFill(char)}" stroke="${COLOR.line}" stroke-width="1.3"${ghost ? ' stroke-dasharray="3 2"' : ''}${g}/>` +
        `<text x="${x}" y="${y + 4.3}" text-anchor="middle" font-family="${FONT_MONO}" font-size="13" font-weight="bold" fill="${COLOR.text}"${g}>${esc(char)}</text>`
      );
    case 'complete':
      return `<line x1="${x}" y1="${y - 13}" x2="${x}" y2="${y + 13}" stroke="${COLOR.complete}" stroke-width="3.2"${g}/>`;
    case 'error:Error':
      return (
        `<g stroke="${COLOR.error}" stroke-width="3.6" stroke-linecap="round"${g}>` +
        `<line x1="${x - 8}" y1="${y - 8}" x2="${x + 8}" y2="${y + 8}"/><line x1="${x - 8}" y1="${y + 8}" x2="${x + 8}" y2="${y - 8}"/></g>`
      );
    case 'error:CancelledError':
      return (
        `<g${g}><circle cx="${x}" cy="${y}" r="10" fill="#fff" stroke="${COLOR.cancelled}" stroke-width="3.2"/>` +
        `<line x1="${x - 7}" y1="${y + 7}" x2="${x + 7}" y2="${y - 7}" stroke="${COLOR.cancelled}" stroke-width="3.2"/></g>`
      );
    case 'error:ChildCancelled':
      return (
        `<g${g}><path d="M${x} ${y - 13} L${x + 13} ${y} L${x} ${y + 13} L${x - 13} ${y} Z" fill="${COLOR.child}" stroke="#a3470f" stroke-width="1.2"/>` +
        `<text x="${x}" y="${y + 4.2}" text-anchor="middle" font-family="${FONT_SANS}" font-size="11" font-weight="bold" fill="#fff">C</text></g>`
      );
    case 'cancel': // scissors: someone cuts the task's subscription to its source
      return (
        `<g stroke="${COLOR.action}" stroke-width="2.4" fill="none" stroke-linecap="round"${g}>` +
        `<line x1="${x - 3.5}" y1="${y + 5}" x2="${x + 6}" y2="${y - 12}"/><line x1="${x + 3.5}" y1="${y + 5}" x2="${x - 6}" y2="${y - 12}"/>` +
        `<circle cx="${x - 5}" cy="${y + 9}" r="4" fill="#fff"/><circle cx="${x + 5}" cy="${y + 9}" r="4" fill="#fff"/></g>`
      );
    case 'abort': {
      // a stop sign: the signal aborts
      const r = 11;
      const pts = [];
      for (let i = 0; i < 8; i++) {
        const a = Math.PI / 8 + (i * Math.PI) / 4;
        pts.push(`${(x + r * Math.cos(a)).toFixed(1)},${(y + r * Math.sin(a)).toFixed(1)}`);
      }
      return (
        `<g${g}><polygon points="${pts.join(' ')}" fill="${COLOR.action}" stroke="#fff" stroke-width="1.2"/>` +
        `<rect x="${x - 6}" y="${y - 1.6}" width="12" height="3.2" fill="#fff"/></g>`
      );
    }
    case 'start':
      return `<path d="M${x - 6} ${y - 9} L${x + 9} ${y} L${x - 6} ${y + 9} Z" fill="${COLOR.start}"${g}/>`;
    case 'subscribe':
      return `<path d="M${x - 7} ${y + 23} L${x} ${y + 15} L${x + 7} ${y + 23}" fill="none" stroke="${COLOR.consumer}" stroke-width="2.6" stroke-linejoin="round"${g}/>`;
    case 'unsubscribe':
      return `<line x1="${x}" y1="${y - 17}" x2="${x}" y2="${y + 17}" stroke="${COLOR.consumer}" stroke-width="2.6" stroke-dasharray="4 3"${g}/>`;
    case 'source-subscribe':
      return `<path d="M${x - 5} ${y + 25} L${x} ${y + 19} L${x + 5} ${y + 25}" fill="none" stroke="${COLOR.consumer}" stroke-width="1.8"${g}/>`;
    case 'source-unsubscribe':
      return `<line x1="${x}" y1="${y + 16}" x2="${x}" y2="${y + 26}" stroke="${COLOR.consumer}" stroke-width="2"${g}/>`;
    default:
      throw new Error(`no shape for ${kind}`);
  }
}

function errorKind(node) {
  return node.cls === 'ChildCancelled' || node.cls === 'CancelledError' ? `error:${node.cls}` : 'error:Error';
}

function errorColor(kind) {
  return kind === 'error:ChildCancelled'
    ? COLOR.child
    : kind === 'error:CancelledError'
      ? COLOR.cancelled
      : COLOR.error;
}

const LEGEND = [
  ['next', 'a value (key below if it is not the letter itself)'],
  ['complete', 'complete'],
  ['error:Error', 'error: an ordinary Error'],
  ['error:CancelledError', 'error: CancelledError (cancelled, by whom?)'],
  ['error:ChildCancelled', 'error: ChildCancelled (the child was cancelled)'],
  ['cancel', 'task.cancel(reason), by someone else'],
  ['abort', 'controller.abort(reason): the signal aborts'],
  ['start', 'task.start()'],
  ['subscribe', 'the consumer subscribes ( ^ )'],
  ['unsubscribe', 'the consumer unsubscribes ( ! )'],
  ['source-window', 'the source is subscribed ( subs ^...! )'],
  ['ghost', 'never delivered: the source was not subscribed at that frame'],
  ['throws', 'the call throws: there is nothing to subscribe to'],
];

// ---------------------------------------------------------------------------
// The picture

/**
 * One case as an SVG document.
 * @param {import('./parse.cjs').MarbleCase} c
 */
function renderCase(c) {
  const { inputs, outputs } = layoutRows(c);
  const rows = [...inputs, ...outputs];

  // time range
  let minFrame = 0;
  let maxFrame = 0;
  const noteFrame = (f) => {
    if (f === undefined) return;
    minFrame = Math.min(minFrame, f);
    maxFrame = Math.max(maxFrame, f);
  };
  for (const row of inputs) {
    if (row.type === 'source') {
      for (const e of row.line.events) noteFrame(e.frame + row.offset);
      noteFrame(row.line.end - 1 + row.offset);
      for (const s of row.subs) s.events.forEach((e) => noteFrame(e.frame));
    }
    for (const a of row.actions ?? []) a.events.forEach((e) => noteFrame(e.frame));
  }
  for (const row of outputs) {
    row.expect.events.forEach((e) => noteFrame(e.frame));
    if (row.expect.kind !== 'throws') noteFrame(row.expect.end - 1);
    if (row.subscribe) row.subscribe.events.forEach((e) => noteFrame(e.frame));
  }
  // one frame of air after the last one; at least as long as the widest consumer box
  const boxWidth = Math.max(0, ...outputs.map((row) => monoWidth(row.box, 12.5) + 24));
  const frames = Math.max(maxFrame - minFrame + 2, Math.ceil((boxWidth - 12) / FRAME_W), 10);

  const labelSize = 12.5;
  const labelLines = (row) => {
    if (row.type === 'output') return [row.label];
    if (row.label.length > 30 && row.label.includes(' = ')) {
      const [name, ...rest] = row.label.split(' = ');
      return [`${name} =`, ` ${rest.join(' = ')}`];
    }
    return [row.label];
  };
  const labelWidth =
    Math.max(90, ...rows.map((row) => Math.max(...labelLines(row).map((l) => monoWidth(l, labelSize))))) + 22;
  const x0 = MARGIN + labelWidth;
  const xOf = (frame) => x0 + (frame - minFrame + 0.5) * FRAME_W;
  const timelineEnd = x0 + frames * FRAME_W;

  // Everything that is placed is collected first, so that text can be moved out of the way.
  const body = [];
  const marks = [];
  const guides = [];
  let rightmost = timelineEnd;
  let y = 0; // running y, relative to the top of the rows block
  const rowY = [];

  /** Places labels above a row in lanes, so that none overlap. */
  function placeAbove(items) {
    const lanes = [];
    for (const item of items.sort((a, b) => a.x - b.x)) {
      const w = monoWidth(item.text, 11);
      const left = item.x - w / 2;
      let lane = 0;
      while ((lanes[lane] ?? -Infinity) > left - 8) lane++;
      lanes[lane] = left + w;
      item.lane = lane;
      rightmost = Math.max(rightmost, left + w);
    }
    return lanes.length;
  }

  const rowLayouts = [];
  for (const row of rows) {
    const above = [];
    const events = [];
    if (row.type === 'source') {
      const terminalAt = row.line.events.find((e) => e.kind === 'complete' || e.kind === 'error');
      const w = row.window;
      for (const e of row.line.events) {
        const frame = e.frame + row.offset;
        let ghost = false;
        if (!w || w.from === undefined) ghost = true;
        else if (frame < w.from) ghost = true;
        else if (
          w.to !== undefined &&
          (frame > w.to || (frame === w.to && !(terminalAt && terminalAt.frame + row.offset === w.to)))
        )
          ghost = true;
        const kind = e.kind === 'error' ? errorKind(e.value) : e.kind;
        events.push({
          kind,
          frame,
          written: e.frame,
          char: e.char,
          ghost,
          line: row.line.line,
          value: e.value,
          keyed: e.keyed,
          echo: row.echo,
          terminal: e.kind !== 'next',
        });
      }
      for (const s of row.subs) {
        for (const e of s.events) events.push({ kind: `source-${e.kind}`, frame: e.frame, line: s.line });
      }
    }
    if (row.type === 'output') {
      if (row.expect.kind === 'throws') {
        events.push({ kind: 'throws', frame: 0, line: row.expect.line, value: row.expect.error });
      } else {
        for (const e of row.expect.events) {
          const kind = e.kind === 'error' ? errorKind(e.value) : e.kind;
          events.push({
            kind,
            frame: e.frame,
            char: e.char,
            line: row.expect.line,
            value: e.value,
            keyed: e.keyed,
            terminal: e.kind !== 'next',
          });
        }
        if (row.subscribe) {
          for (const e of row.subscribe.events) {
            events.push({ kind: e.kind, frame: e.frame, line: row.subscribe.line });
            if (e.kind === 'unsubscribe') above.push({ x: xOf(e.frame), text: 'unsubscribe', color: COLOR.consumer });
          }
        } else {
          events.push({ kind: 'subscribe', frame: 0, line: row.expect.line });
        }
      }
    }
    for (const a of row.actions ?? []) {
      for (const e of a.events) {
        events.push({ kind: a.kind, frame: e.frame, line: a.line, value: e.value });
        const text =
          a.kind === 'start'
            ? 'start()'
            : `${a.kind}(${e.value && !(e.value.type === 'literal' && e.value.value === undefined) ? formatValue(e.value) : ''})`;
        above.push({ x: xOf(e.frame), text, color: a.kind === 'start' ? COLOR.start : COLOR.action });
        if (a.kind !== 'start') guides.push(e.frame);
      }
    }
    const lanes = placeAbove(above);
    const top = row.type === 'output' ? y + 28 + 4 : y;
    const centre = top + 26 + lanes * LANE_H;
    rowY.push(centre);
    rowLayouts.push({ row, above, events, centre, boxTop: y, lanes });
    y = centre + 30;
    if (row.type === 'source' && row.subs.length > 0) y += 4;
    if (row === inputs[inputs.length - 1]) y += 8;
  }
  const rowsHeight = y;

  rightmost = Math.max(rightmost, x0 - 6 + Math.max(timelineEnd - x0 + 12, boxWidth));
  if (inputs.some((row) => row.type === 'controller'))
    rightmost = Math.max(rightmost, timelineEnd + 6 + sansWidth('signal', 10));

  // error labels, to the right of their mark
  for (const layout of rowLayouts) {
    for (const e of layout.events) {
      if (e.kind.startsWith('error:')) {
        e.label = formatValue(e.value);
        rightmost = Math.max(rightmost, xOf(e.frame) + 18 + monoWidth(e.label, 11.5) + 6);
      }
      if (e.kind === 'throws') {
        e.label = `throws ${formatValue(e.value)}`;
        rightmost = Math.max(rightmost, xOf(e.frame) + 18 + monoWidth(e.label, 11.5) + 6);
      }
    }
  }

  // keys of values that are not the letter itself
  const keys = new Map();
  for (const layout of rowLayouts) {
    for (const e of layout.events) {
      if (e.kind === 'next' && e.keyed) keys.set(e.char, `${e.char} = ${formatValue(e.value)}`);
    }
  }

  // legend: only what this picture uses
  const used = new Set();
  for (const layout of rowLayouts) {
    for (const e of layout.events) {
      if (e.kind === 'source-subscribe' || e.kind === 'source-unsubscribe') used.add('source-window');
      else used.add(e.kind);
      if (e.ghost) used.add('ghost');
    }
  }
  const legend = LEGEND.filter(([kind]) => used.has(kind));

  const contentWidth = Math.max(rightmost + MARGIN, 620);
  const width = Math.ceil(contentWidth);
  const textWidth = width - 2 * MARGIN;

  // header
  const header = [];
  let hy = MARGIN + 16;
  for (const line of wrap(c.name, 16, textWidth)) {
    header.push(
      `<text x="${MARGIN}" y="${hy}" font-family="${FONT_SANS}" font-size="16" font-weight="bold" fill="${COLOR.text}">${esc(line)}</text>`,
    );
    hy += 21;
  }
  hy += 1;
  for (const line of wrap(c.about, 12.5, textWidth)) {
    header.push(
      `<text x="${MARGIN}" y="${hy}" font-family="${FONT_SANS}" font-size="12.5" fill="${COLOR.muted}">${esc(line)}</text>`,
    );
    hy += 17;
  }
  const axisY = hy + 14;
  const rowsTop = axisY + 14;

  // axis and grid
  const axis = [];
  const gridBottom = rowsTop + rowsHeight - 8;
  axis.push(
    `<text x="${x0 - 12}" y="${axisY + 4}" text-anchor="end" font-family="${FONT_SANS}" font-size="10.5" fill="${COLOR.faint}">frame</text>`,
  );
  for (let f = minFrame; f < minFrame + frames; f++) {
    const x = xOf(f);
    axis.push(
      `<line x1="${x}" y1="${axisY + 8}" x2="${x}" y2="${gridBottom}" stroke="${f % 5 === 0 ? COLOR.gridStrong : COLOR.grid}" stroke-width="1"/>`,
    );
    axis.push(
      `<text x="${x}" y="${axisY + 4}" text-anchor="middle" font-family="${FONT_MONO}" font-size="10" fill="${f % 5 === 0 ? COLOR.muted : COLOR.faint}">${f}</text>`,
    );
  }
  for (const f of [...new Set(guides)]) {
    const x = xOf(f);
    axis.push(
      `<line x1="${x}" y1="${axisY + 8}" x2="${x}" y2="${gridBottom}" stroke="${COLOR.action}" stroke-width="1.2" stroke-dasharray="2 3" opacity="0.55"/>`,
    );
  }

  // rows
  const arrow = (x, y, color) => `<path d="M${x} ${y - 5} L${x + 9} ${y} L${x} ${y + 5} Z" fill="${color}"/>`;
  for (const layout of rowLayouts) {
    const { row, events, above } = layout;
    const cy = rowsTop + layout.centre;
    const lineStart = xOf(minFrame) - FRAME_W / 2;
    // label
    const lines = labelLines(row);
    lines.forEach((text, i) => {
      const ly = cy + 4 + (i - (lines.length - 1) / 2) * 15;
      const indent = text.startsWith(' ') ? monoWidth('  ', labelSize) : 0;
      body.push(
        `<text x="${MARGIN + indent}" y="${ly}" font-family="${FONT_MONO}" font-size="${labelSize}" fill="${COLOR.text}"${i === 0 ? ' font-weight="bold"' : ''}>${esc(text.trim())}</text>`,
      );
    });
    if (row.sublabel) {
      body.push(
        `<text x="${MARGIN}" y="${cy + 4 + lines.length * 7.5 + 8}" font-family="${FONT_SANS}" font-size="10" fill="${COLOR.faint}">${esc(row.sublabel)}</text>`,
      );
    }
    if (row.type === 'output') {
      const by = rowsTop + layout.boxTop;
      body.push(
        `<rect x="${x0 - 6}" y="${by}" width="${Math.max(timelineEnd - x0 + 12, boxWidth)}" height="28" rx="5" fill="${COLOR.box}" stroke="${COLOR.boxStroke}"/>`,
        `<text x="${x0 + 6}" y="${by + 18.5}" font-family="${FONT_MONO}" font-size="12.5" fill="${COLOR.text}">${esc(row.box)}</text>`,
      );
    }
    // the line: grey where nothing flows, dark where it does
    let from = lineStart;
    let to = timelineEnd;
    if (row.type === 'controller') {
      body.push(
        `<line x1="${lineStart}" y1="${cy}" x2="${timelineEnd}" y2="${cy}" stroke="${COLOR.faint}" stroke-width="1.6" stroke-dasharray="6 4"/>`,
      );
      body.push(
        `<text x="${timelineEnd + 6}" y="${cy + 4}" font-family="${FONT_SANS}" font-size="10" fill="${COLOR.faint}">signal</text>`,
      );
    } else if (row.type === 'output' && row.expect.kind === 'throws') {
      // nothing to subscribe to: no line
    } else {
      body.push(
        `<line x1="${lineStart}" y1="${cy}" x2="${timelineEnd}" y2="${cy}" stroke="${COLOR.idle}" stroke-width="2"/>`,
      );
      body.push(arrow(timelineEnd, cy, COLOR.idle));
      const terminal = events.find((e) => e.terminal && !e.ghost);
      if (row.type === 'source') {
        const w = row.window;
        if (w && w.from !== undefined) {
          from = xOf(w.from);
          to = w.to !== undefined ? xOf(w.to) : timelineEnd;
          body.push(
            `<rect x="${from}" y="${cy + 19}" width="${Math.max(to - from, 1)}" height="5" rx="2" fill="${COLOR.window}" opacity="0.8"/>`,
          );
        } else {
          to = from;
          body.push(
            `<text x="${xOf(Math.max(minFrame, 0))}" y="${cy + 26}" font-family="${FONT_SANS}" font-size="10" font-style="italic" fill="${COLOR.faint}">never subscribed</text>`,
          );
        }
      } else if (row.type === 'output') {
        const sub = events.find((e) => e.kind === 'subscribe');
        const unsub = events.find((e) => e.kind === 'unsubscribe');
        from = sub ? xOf(sub.frame) : from;
        const ends = [terminal && xOf(terminal.frame), unsub && xOf(unsub.frame)].filter((v) => v !== undefined);
        to = ends.length ? Math.min(...ends) : timelineEnd;
        if (row.expect.kind === 'throws') to = from;
      } else if (row.type === 'task') {
        // a task over an expression: what it emits is on its consumers' lines; this row carries its actions
        to = from;
      }
      if (to > from) {
        body.push(`<line x1="${from}" y1="${cy}" x2="${to}" y2="${cy}" stroke="${COLOR.line}" stroke-width="2.4"/>`);
        if (to === timelineEnd) body.push(arrow(timelineEnd, cy, COLOR.line));
      }
    }
    // labels above the line, on a white backing so that guide and grid lines do not cross them
    for (const item of above) {
      const ly = cy - 20 - item.lane * LANE_H;
      const w = monoWidth(item.text, 11);
      body.push(
        `<rect x="${item.x - w / 2 - 3}" y="${ly - 10}" width="${w + 6}" height="14" fill="#ffffff"/>`,
        `<text x="${item.x}" y="${ly}" text-anchor="middle" font-family="${FONT_MONO}" font-size="11" fill="${item.color}">${esc(item.text)}</text>`,
      );
    }
    // marks: values of one frame side by side
    const order = { 'source-subscribe': 0, subscribe: 0, start: 1, next: 2, complete: 3, cancel: 4, abort: 4 };
    const byFrame = new Map();
    for (const e of events) {
      if (e.kind === 'throws') continue;
      const key = `${e.frame}`;
      if (!byFrame.has(key)) byFrame.set(key, []);
      byFrame.get(key).push(e);
    }
    for (const group of byFrame.values()) {
      const stacked = group.filter((e) => e.kind === 'next' || e.kind === 'complete' || e.kind.startsWith('error:'));
      stacked.sort((a, b) => (order[a.kind] ?? 3) - (order[b.kind] ?? 3));
      const spread = 23;
      stacked.forEach((e, i) => {
        e.dx = (i - (stacked.length - 1) / 2) * spread;
      });
    }
    for (const e of events) {
      const attrs = `class="mark mark-${e.kind.replace(':', '-')}${e.ghost ? ' ghost' : ''}" ${e.echo ? 'data-echo' : 'data-event'}="${e.kind}" data-line="${e.line}" data-frame="${e.written ?? e.frame}"`;
      const x = xOf(e.frame) + (e.dx ?? 0);
      let svg = markShape(e.kind === 'throws' ? 'error:Error' : e.kind, x, cy, e.char, e.ghost);
      if (e.label) {
        const color = e.kind === 'throws' ? COLOR.error : errorColor(e.kind);
        const lx = x + 17;
        const w = monoWidth(e.label, 11.5);
        svg += `<rect x="${lx - 3}" y="${cy - 9}" width="${w + 6}" height="17" rx="3" fill="#fff" opacity="0.9"${e.ghost ? ' stroke-dasharray="2 2" stroke="#ccc"' : ''}/>`;
        svg += `<text x="${lx}" y="${cy + 4}" font-family="${FONT_MONO}" font-size="11.5" font-weight="bold" fill="${color}"${e.ghost ? ' opacity="0.45"' : ''}>${esc(e.label)}</text>`;
      }
      marks.push(`<g ${attrs}>${svg}</g>`);
    }
  }

  // legend and keys
  const foot = [];
  let fy = rowsTop + rowsHeight + 10;
  foot.push(`<line x1="${MARGIN}" y1="${fy}" x2="${width - MARGIN}" y2="${fy}" stroke="${COLOR.boxStroke}"/>`);
  fy += 22;
  let fx = MARGIN;
  for (const [kind, text] of legend) {
    const itemWidth = 30 + sansWidth(text, 11) + 18;
    if (fx + itemWidth > width - MARGIN && fx > MARGIN) {
      fx = MARGIN;
      fy += 26;
    }
    foot.push(
      `<g class="legend-item">${legendSymbol(kind, fx + 12, fy)}<text x="${fx + 30}" y="${fy + 4}" font-family="${FONT_SANS}" font-size="11" fill="${COLOR.muted}">${esc(text)}</text></g>`,
    );
    fx += itemWidth;
  }
  if (keys.size > 0) {
    fy += 26;
    const keyText = `values:  ${[...keys.values()].join('    ')}`;
    foot.push(
      `<text x="${MARGIN}" y="${fy + 4}" font-family="${FONT_MONO}" font-size="11.5" fill="${COLOR.text}">${esc(keyText)}</text>`,
    );
  }
  fy += 24;
  foot.push(
    `<text x="${width - MARGIN}" y="${fy}" text-anchor="end" font-family="${FONT_SANS}" font-size="10" fill="${COLOR.faint}">${esc(`${c.file}, line ${c.line}`)}</text>`,
  );
  const height = Math.ceil(fy + 12);

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="title desc">\n` +
    `<title id="title">${esc(c.name)}</title>\n` +
    `<desc id="desc">${esc(c.about)}</desc>\n` +
    `<rect width="100%" height="100%" fill="#ffffff"/>\n` +
    [...header, ...axis, ...body, ...marks, ...foot].join('\n') +
    '\n</svg>\n'
  );
}

function legendSymbol(kind, x, y) {
  switch (kind) {
    case 'next':
      return markShape('next', x, y, 'a', false)
        .replace('r="12"', 'r="9"')
        .replace('font-size="13"', 'font-size="10"')
        .replace(`y="${y + 4.3}"`, `y="${y + 3.5}"`);
    case 'ghost':
      return markShape('next', x, y, 'b', true)
        .replace('r="12"', 'r="9"')
        .replace('font-size="13"', 'font-size="10"')
        .replace(`y="${y + 4.3}"`, `y="${y + 3.5}"`);
    case 'complete':
      return `<line x1="${x}" y1="${y - 9}" x2="${x}" y2="${y + 9}" stroke="${COLOR.complete}" stroke-width="3"/>`;
    case 'subscribe':
      return markShape('subscribe', x, y - 19, '', false);
    case 'unsubscribe':
      return `<line x1="${x}" y1="${y - 10}" x2="${x}" y2="${y + 10}" stroke="${COLOR.consumer}" stroke-width="2.4" stroke-dasharray="4 3"/>`;
    case 'throws':
      return `<g transform="translate(${x} ${y}) scale(0.8) translate(${-x} ${-y})">${markShape('error:Error', x, y, '', false)}</g>`;
    case 'source-window':
      return `<rect x="${x - 12}" y="${y - 2.5}" width="24" height="5" rx="2" fill="${COLOR.window}"/>`;
    default:
      return `<g transform="translate(${x} ${y}) scale(0.8) translate(${-x} ${-y})">${markShape(kind, x, y, '', false)}</g>`;
  }
}

// ---------------------------------------------------------------------------
// Files on disk

/** docs/marbles/<file>/<slug>.svg, relative to the repository root. */
function picturePath(c) {
  return `docs/marbles/${c.file.replace(/^marbles\//, '').replace(/\.marbles$/, '')}/${c.slug}.svg`;
}

/** Every file `npm run docs:marbles` writes: the pictures and docs/marbles.md. */
function renderAll(files) {
  const outputs = [];
  for (const f of files) for (const c of f.cases) outputs.push({ path: picturePath(c), content: renderCase(c) });
  outputs.push({ path: 'docs/marbles.md', content: renderGallery(files) });
  return outputs;
}

/** The gallery's order: from the basic concept to the combinators; other files follow by name. */
const FILE_ORDER = [
  'task',
  'subscribe',
  'detectCancel',
  'shield',
  'cancelWhen',
  'whenAllCancellable',
  'whenAnyCancellable',
];
function fileRank(f) {
  const index = FILE_ORDER.indexOf(f.file.replace(/^marbles\//, '').replace(/\.marbles$/, ''));
  return index === -1 ? FILE_ORDER.length : index;
}

/** docs/marbles.md: every picture, with its case name, explanation and marble source. */
function renderGallery(unordered) {
  const files = [...unordered].sort((a, b) => fileRank(a) - fileRank(b) || a.file.localeCompare(b.file));
  const out = [];
  out.push('# Marble diagrams');
  out.push('');
  out.push(
    '<!-- Generated by `npm run docs:marbles` from marbles/*.marbles. Do not edit: edit the marble file and re-run. -->',
  );
  out.push('');
  out.push(
    'Every picture below is drawn from a case in [`marbles/`](../marbles/) and every case is also a test (`spec/marbles.spec.ts` runs it under RxJS `TestScheduler`), so what you see is what the package does. The file format is described in [`marbles/README.md`](../marbles/README.md).',
  );
  out.push('');
  out.push(
    'How to read them: time flows left to right, one column per frame. Inputs come first (sources, tasks, AbortControllers), then for each consumer a box with what it subscribes to and the line of what it receives. Each picture has its own legend; the symbols are the same everywhere:',
  );
  out.push('');
  const symbols = [
    ['coloured circle', 'a value (the same letter has the same colour everywhere)'],
    ['black bar', 'complete'],
    ['red ✕', 'an ordinary error'],
    [
      'purple ⊘',
      '`CancelledError`: what a plain subscriber gets; it does not say whether _it_ or the child was cancelled',
    ],
    ['orange ◆ with C', '`ChildCancelled`: the child named in the label was cancelled by someone else'],
    ['pink scissors', '`task.cancel(reason)` called by someone else, drawn on the line of that task'],
    ['pink stop sign', '`controller.abort(reason)`: a signal aborts'],
    ['green triangle', '`task.start()`'],
    ['blue chevron, blue dashed bar', 'the consumer subscribes (`^`), unsubscribes (`!`)'],
    ['light blue band under a source', 'while the source is subscribed (its expected subscription log, `subs`)'],
    ['faded circle', 'a value the source never delivered: it was not subscribed at that frame'],
  ];
  for (const [symbol, meaning] of symbols) out.push(`- **${symbol}**: ${meaning}`);
  out.push('');
  out.push('## Contents');
  out.push('');
  for (const f of files) {
    out.push(`- [${f.title}](#${anchor(f.title)}): ${f.cases.length} case${f.cases.length === 1 ? '' : 's'}`);
  }
  out.push('');
  for (const f of files) {
    out.push(`## ${f.title}`);
    out.push('');
    if (f.about) {
      out.push(f.about);
      out.push('');
    }
    out.push(`Source: [\`${f.file}\`](../${f.file})`);
    out.push('');
    for (const c of f.cases) {
      out.push(`### ${c.name}`);
      out.push('');
      out.push(c.about);
      out.push('');
      out.push(`![${c.name.replace(/[[\]]/g, '')}](${picturePath(c).replace(/^docs\//, '')})`);
      out.push('');
      const rules = c.covers.map((id) => (RULES[id] ? `\`${id}\` (${RULES[id].text})` : `\`${id}\``));
      out.push(`Shows: ${rules.join('; ')}.`);
      out.push('');
      out.push('<details><summary>marble source</summary>');
      out.push('');
      out.push('```text');
      out.push(c.source.replace(/\s+$/, ''));
      out.push('```');
      out.push('');
      out.push('</details>');
      out.push('');
    }
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

/** GitHub's heading anchors. */
function anchor(heading) {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

module.exports = { renderCase, renderGallery, renderAll, picturePath, layoutRows };
