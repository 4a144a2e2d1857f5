import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { caseEvents, type MarbleCase, type MarbleFile } from '../scripts/marbles/parse.cjs';
import { picturePath, renderAll, renderCase } from '../scripts/marbles/render.cjs';
import { loadMarbleFiles, ROOT } from './marbles/load';
import { parseXml, XmlError } from './marbles/xml';

const files: MarbleFile[] = loadMarbleFiles().flatMap((f) => (f.parsed ? [f.parsed] : []));
const cases: MarbleCase[] = files.flatMap((f) => f.cases);

function tally(kinds: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of kinds) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

describe('the XML check used on the pictures', () => {
  it.each([
    ['an unclosed element', '<svg><g></svg>', '</svg> closes <g>'],
    ['an unquoted attribute', '<svg width=3/>', 'is not quoted'],
    ['a duplicate attribute', '<svg a="1" a="2"/>', 'duplicate attribute a'],
    ['a raw ampersand', '<svg><text>a & b</text></svg>', 'bad entity reference'],
    ['a second root', '<svg/><svg/>', 'a second root element'],
    ['a missing root', '  ', 'no root element'],
  ])('rejects %s', (_what, text, message) => {
    expect(() => parseXml(text)).toThrow(XmlError);
    expect(() => parseXml(text)).toThrow(message);
  });

  it('accepts a well-formed document and lists its elements with their attributes', () => {
    expect(parseXml('<svg a="1"><g data-event="next"><text>x &amp; y</text></g><!-- c --></svg>')).toEqual([
      { name: 'svg', attributes: { a: '1' } },
      { name: 'g', attributes: { 'data-event': 'next' } },
      { name: 'text', attributes: {} },
    ]);
  });
});

describe('marble pictures', () => {
  it('there is a picture for every case', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases.map((c) => [`${c.file}: ${c.name}`, c] as const))(
    '%s renders as well-formed SVG with one mark per event',
    (_name, c) => {
      const elements = parseXml(renderCase(c));
      expect(elements[0]!.name).toBe('svg');
      const marks = elements.filter((e) => 'data-event' in e.attributes);
      expect(tally(marks.map((e) => e.attributes['data-event']!))).toEqual(tally(caseEvents(c).map((e) => e.kind)));
      expect(marks.map((e) => `${e.attributes['data-event']}@${e.attributes['data-frame']}`).sort()).toEqual(
        caseEvents(c)
          .map((e) => `${e.kind}@${e.frame}`)
          .sort(),
      );
    },
  );

  it('the committed pictures and docs/marbles.md are up to date with marbles/ (run npm run docs:marbles)', () => {
    const stale = renderAll(files)
      .filter(
        ({ path, content }) => !existsSync(join(ROOT, path)) || readFileSync(join(ROOT, path), 'utf8') !== content,
      )
      .map(({ path }) => path);
    expect(stale).toEqual([]);
  });

  it('docs/marbles holds no picture of a case that no longer exists', () => {
    const wanted = new Set(cases.map(picturePath));
    const dir = join(ROOT, 'docs', 'marbles');
    const present = readdirSync(dir, { recursive: true })
      .map(String)
      .filter((name) => name.endsWith('.svg'))
      .map((name) => `docs/marbles/${name.split('\\').join('/')}`);
    expect(present.filter((path) => !wanted.has(path))).toEqual([]);
  });

  it('the gallery embeds every picture with its case name and explanation', () => {
    const gallery = readFileSync(join(ROOT, 'docs', 'marbles.md'), 'utf8');
    for (const c of cases) {
      expect(gallery).toContain(`### ${c.name}\n\n${c.about}\n\n![`);
      expect(gallery).toContain(`](${picturePath(c).replace(/^docs\//, '')})`);
    }
  });
});
