// The list by keyboard: one row is the Tab stop; arrow keys (and Home/End) move between rows,
// Enter opens the fetch's site (backgroundfetchclick), Space selects it, Delete removes a settled
// fetch (undoable).
import type { StoredRegistration } from '../../../shared/db';
import { command } from '../../data';
import type { Run, RunRemoval } from './App';

export interface ListKeyContext {
  byKey: { get(key: string): StoredRegistration | undefined };
  setCurrent: (key: string) => void;
  toggle: (key: string) => void;
  run: Run;
  runRemoval: RunRemoval;
}

export function onListKey(event: KeyboardEvent, { byKey, setCurrent, toggle, run, runRemoval }: ListKeyContext): void {
  const target = event.target as HTMLElement;
  const row = target.closest<HTMLElement>('li.reg');
  if (!row) return;
  const onRow = target === row;
  const rows = [...(event.currentTarget as HTMLElement).querySelectorAll<HTMLElement>('li.reg')];
  const at = rows.indexOf(row);
  let to = -1;
  if (event.key === 'ArrowDown') to = Math.min(rows.length - 1, at + 1);
  else if (event.key === 'ArrowUp') to = Math.max(0, at - 1);
  else if (event.key === 'Home' && onRow) to = 0;
  else if (event.key === 'End' && onRow) to = rows.length - 1;
  if (to >= 0) {
    event.preventDefault();
    const next = rows[to]!;
    setCurrent(next.dataset.key!);
    next.focus();
    return;
  }
  if (!onRow) return;
  const reg = byKey.get(row.dataset.key ?? '');
  if (!reg) return;
  if (event.key === ' ') {
    event.preventDefault();
    toggle(reg.key);
  } else if (event.key === 'Enter') {
    event.preventDefault();
    run(() => command('admin.click', { key: reg.key }));
  } else if ((event.key === 'Delete' || event.key === 'Backspace') && !reg.active) {
    event.preventDefault();
    const next = rows[at + 1] ?? rows[at - 1];
    if (next) {
      setCurrent(next.dataset.key!);
      next.focus();
    }
    runRemoval(() => command('admin.removeMany', { keys: [reg.key] }));
  }
}
