/** Types of parse.cjs: the marble file parser shared by the docs CLI and the jest specs. */

export type ValueNode =
  | { type: 'literal'; value: string | number | boolean | null | undefined }
  | { type: 'array'; items: ValueNode[] }
  | { type: 'object'; entries: [string, ValueNode][] }
  | { type: 'task'; name: string }
  | ErrorNode;

export type ErrorNode =
  | { type: 'error'; cls: 'Error' | 'TypeError' | 'RangeError'; message: string; task?: undefined; reason?: undefined }
  | { type: 'error'; cls: 'CancelledError' | 'ChildCancelled'; task?: string; reason?: ValueNode; message?: undefined };

export type ExprNode =
  | { type: 'ref'; name: string }
  | { type: 'pipe'; source: ExprNode; ops: OperatorNode[] }
  | { type: 'combine'; fn: 'whenAllCancellable' | 'whenAnyCancellable'; sources: ExprNode[]; signal?: string };

export type OperatorNode = { op: 'detectCancel' | 'shield' } | { op: 'cancelWhen'; signal: string };

export type Declaration = { name: string; line: number; text: string } & (
  | { kind: 'controller' }
  | { kind: 'task'; start: boolean; body: ExprNode; options: { signal?: string; refCount?: boolean } }
  | { kind: 'expr'; expr: ExprNode }
);

export interface MarbleEvent {
  frame: number;
  char: string;
  kind: 'next' | 'complete' | 'error' | 'action' | 'subscribe' | 'unsubscribe';
  /** index of the character in the marble string */
  index: number;
  /** for next, action and error: the value from the key block (or the character itself) */
  value?: ValueNode;
  keyed?: boolean;
}

export type TimelineKind = 'cold' | 'hot' | 'expect' | 'cancel' | 'abort' | 'start' | 'subscribe' | 'subs' | 'throws';

export interface Timeline {
  kind: TimelineKind;
  name: string;
  marble: string;
  line: number;
  column: number;
  frameZeroColumn?: number;
  events: MarbleEvent[];
  /** the frame after the last character */
  end: number;
  /** for throws lines */
  error?: ErrorNode;
}

export interface Key {
  scope?: string;
  key: string;
  value: ValueNode;
  line: number;
  text: string;
}

export interface Consumer {
  name: string;
  expect: Timeline;
  subscribe?: Timeline;
}

export type NameKind = 'cold' | 'hot' | 'task' | 'controller' | 'expr';

export interface MarbleCase {
  file: string;
  name: string;
  slug: string;
  line: number;
  about: string;
  covers: string[];
  declarations: Declaration[];
  timelines: Timeline[];
  keys: Key[];
  consumers: Consumer[];
  kinds: Record<string, NameKind>;
  /** the case's lines as written in the file */
  source: string;
}

export interface MarbleFile {
  file: string;
  title: string;
  about?: string;
  cases: MarbleCase[];
}

export interface CaseEvent {
  line: number;
  kind: string;
  frame: number;
}

export class MarbleFileError extends Error {
  readonly file: string;
  readonly line: number;
  readonly caseName?: string;
  readonly detail: string;
}

export function parseMarbleFile(text: string, file: string): MarbleFile;
export function parseMarble(
  marble: string,
  kind: Exclude<TimelineKind, 'throws'>,
): { events: MarbleEvent[]; frameZeroIndex: number; end: number };
export function parseValue(text: string): ValueNode;
export function formatValue(node: ValueNode): string;
export function evaluateValue(
  node: ValueNode,
  hooks: {
    task(name: string): unknown;
    error(cls: ErrorNode['cls'], parts: { task?: unknown; reason?: unknown; message?: string }): unknown;
  },
): unknown;
export function caseEvents(c: MarbleCase): CaseEvent[];
export function slugify(name: string): string;
export const LINE_KINDS: readonly string[];
