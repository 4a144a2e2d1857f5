import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMarbleFile, type MarbleFile } from '../../scripts/marbles/parse.cjs';

export const ROOT = join(__dirname, '..', '..');
export const MARBLE_DIR = join(ROOT, 'marbles');

/** Every `*.marbles` file in marbles/, by name. */
export const MARBLE_DIR_FILES = readdirSync(MARBLE_DIR)
  .filter((name) => name.endsWith('.marbles'))
  .sort();

export interface LoadedFile {
  path: string;
  parsed?: MarbleFile;
  error?: Error;
}

/** Parses every file; a file that does not parse keeps its error (which names the file, case and line). */
export function loadMarbleFiles(): LoadedFile[] {
  return MARBLE_DIR_FILES.map((name) => {
    const path = `marbles/${name}`;
    try {
      return { path, parsed: parseMarbleFile(readFileSync(join(MARBLE_DIR, name), 'utf8'), path) };
    } catch (error) {
      return { path, error: error as Error };
    }
  });
}
