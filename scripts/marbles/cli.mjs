#!/usr/bin/env node
// npm run docs:marbles: renders every case of marbles/*.marbles to
// docs/marbles/<file>/<case>.svg and writes the gallery docs/marbles.md.
//
//   node scripts/marbles/cli.mjs           write the files (and remove stale pictures)
//   node scripts/marbles/cli.mjs --check   write nothing; exit 1 if a file is missing or out of date
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import parse from './parse.cjs';
import render from './render.cjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const check = process.argv.includes('--check');

const names = readdirSync(join(root, 'marbles'))
  .filter((name) => name.endsWith('.marbles'))
  .sort();
let files;
try {
  files = names.map((name) =>
    parse.parseMarbleFile(readFileSync(join(root, 'marbles', name), 'utf8'), `marbles/${name}`),
  );
} catch (error) {
  console.error(error instanceof parse.MarbleFileError ? error.message : error);
  process.exit(1);
}

const outputs = render.renderAll(files);
const wanted = new Set(outputs.map((o) => o.path));
const stale = listSvgs(join(root, 'docs', 'marbles')).filter((path) => !wanted.has(path));
let problems = 0;
for (const { path, content } of outputs) {
  const full = join(root, path);
  const current = existsSync(full) ? readFileSync(full, 'utf8') : undefined;
  if (current === content) continue;
  if (check) {
    console.error(`${path} is ${current === undefined ? 'missing' : 'out of date'}`);
    problems++;
  } else {
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    console.log(`wrote ${path}`);
  }
}
for (const path of stale) {
  if (check) {
    console.error(`${path} has no case any more`);
    problems++;
  } else {
    rmSync(join(root, path));
    console.log(`removed ${path}`);
  }
}
const cases = files.reduce((n, f) => n + f.cases.length, 0);
if (check && problems > 0) {
  console.error(`${problems} file(s) to update: run npm run docs:marbles`);
  process.exit(1);
}
console.log(`${files.length} marble files, ${cases} cases: docs/marbles is ${check ? 'up to date' : 'written'}`);

function listSvgs(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith('.svg'))
    .map((name) => relative(root, join(dir, name)).split('\\').join('/'))
    .sort();
}
