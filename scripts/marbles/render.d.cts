/** Types of render.cjs: SVG marble diagrams and the gallery page. */
import type { MarbleCase, MarbleFile } from './parse.cjs';

export function renderCase(c: MarbleCase): string;
export function renderGallery(files: MarbleFile[]): string;
/** Every file `npm run docs:marbles` writes, relative to the repository root. */
export function renderAll(files: MarbleFile[]): { path: string; content: string }[];
export function picturePath(c: MarbleCase): string;
