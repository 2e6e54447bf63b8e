// Only the lifecycle writes a fetch's state. The check reads the source: outside
// src/background/state/lifecycle/ no module may call a writing method (put, add, update, modify,
// delete, bulk…, clear) on the `registrations` or `records` tables, whatever chain leads to it
// (`db.records.where(…).equals(…).modify(…)`), nor, in the background, assign one of the state
// fields of a row (`reg.paused = true`). Types cannot say this (Dexie's update() takes any key path, and a spread
// `{ ...reg, active: 0 }` satisfies a readonly type), so the test reads what the code does.
// Tests are left out: they build fixtures directly in the store.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '../../../..');
const SRC = join(ROOT, 'src');
const LIFECYCLE = join(SRC, 'background/state/lifecycle');
/** Rows are changed in memory only where they are written: the background (other contexts' objects share the field names). */
const BACKGROUND = join(SRC, 'background');
/** The schema's own migration counts files once, at upgrade time (before any transition runs). */
const ALLOWED = new Set([join(SRC, 'shared/db.ts')]);

const WRITES = new Set([
  'put',
  'add',
  'update',
  'modify',
  'delete',
  'bulkPut',
  'bulkAdd',
  'bulkUpdate',
  'bulkDelete',
  'clear',
]);
/** The rows' state: the registration's flags and the record's state, offset and generation. */
const STATE_FIELDS = [
  'active',
  'paused',
  'waiting',
  'retry',
  'result',
  'failureReason',
  'settledAt',
  'recordsAvailable',
  'released',
  'removeAt',
  'keptBytes',
  'downloaded',
  'state',
  'stored',
  'generation',
];

/** Index after the balanced bracket group opening at `at`. */
function skipGroup(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === "'" || c === '"' || c === '`') {
      const end = text.indexOf(c, i + 1);
      i = end < 0 ? text.length : end;
    }
  }
  return text.length;
}

/** Writing calls on the registrations or records table, and assignments of state fields: one line each. */
export function stateWrites(source: string, { assignments = true } = {}): string[] {
  const found: string[] = [];
  const lineOf = (at: number) => source.slice(source.lastIndexOf('\n', at) + 1, source.indexOf('\n', at)).trim();
  // `.registrations`, `.records`, or `table<…>('records')`, then a chain of calls.
  const table = /\.(registrations|records)\b|\btable(?:<[^>]*>)?\(\s*'(registrations|records)'\s*\)/g;
  for (let match = table.exec(source); match; match = table.exec(source)) {
    let at = match.index + match[0].length;
    for (;;) {
      const step = /^\s*\.\s*([A-Za-z_$][\w$]*)\s*/.exec(source.slice(at));
      if (!step) break;
      const method = step[1]!;
      at += step[0].length;
      if (source[at] === '(' && WRITES.has(method)) {
        found.push(lineOf(match.index));
        break;
      }
      if (source[at] === '(') at = skipGroup(source, at);
    }
  }
  const assignment = new RegExp(`\\.(${STATE_FIELDS.join('|')})\\s*(?:=(?!=)|\\+=|-=|\\+\\+|--)`, 'g');
  if (assignments)
    for (let match = assignment.exec(source); match; match = assignment.exec(source)) found.push(lineOf(match.index));
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return path === LIFECYCLE ? [] : sources(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('who writes a fetch’s state', () => {
  it('finds the writes the lifecycle replaced (the check can fail)', () => {
    // Lines as they were before the lifecycle (admin.ts, consent.ts, settle.ts, transfer.ts, chunks.ts).
    expect(stateWrites('await db.registrations.update(key, { paused: true });')).toHaveLength(1);
    expect(stateWrites('await storeOf(reg.key).registrations.update(reg.key, { waiting: null });')).toHaveLength(1);
    expect(
      stateWrites(`await db.records
        .where('regKey')
        .equals(regKey)
        .filter((record) => record.state === 'pending')
        .modify({ state: 'aborted', failure: 'aborted' });`),
    ).toHaveLength(1);
    expect(stateWrites('await db.records.update([regKey, record.index], changes);')).toHaveLength(1);
    expect(stateWrites("if (done) record.state = 'done';")).toHaveLength(1);
    expect(
      stateWrites("await tx.table<StoredRegistration, string>('registrations').toCollection().modify(fn);"),
    ).toHaveLength(1);
    // Reading is fine.
    expect(
      stateWrites(
        "const reg = await db.registrations.where('active').equals(1).filter((r) => r.active === 1).toArray();",
      ),
    ).toEqual([]);
  });

  it('nothing outside src/background/state/lifecycle/ writes the registrations or records', () => {
    const writers = sources(SRC)
      .filter((path) => !ALLOWED.has(path))
      .flatMap((path) =>
        stateWrites(readFileSync(path, 'utf8'), { assignments: path.startsWith(BACKGROUND) }).map(
          (line) => `${relative(ROOT, path)}: ${line}`,
        ),
      );
    expect(writers).toEqual([]);
  });
});
