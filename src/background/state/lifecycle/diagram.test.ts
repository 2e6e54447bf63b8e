// docs/architecture.md draws the lifecycle; the drawing must be the transition table the guards
// use (transitions.ts), edge for edge.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECORD_EDGES, REGISTRATION_EDGES, type Edge } from './transitions';

const DOC = join(__dirname, '../../../../docs/architecture.md');

/** The edges of the stateDiagram-v2 block marked `%% <name>` in the doc's lifecycle section. */
function drawnEdges(doc: string, name: string): string[] {
  const section = doc.split(/^## /m).find((part) => part.startsWith('The lifecycle'));
  if (!section) throw new Error('docs/architecture.md has no "## The lifecycle" section');
  const block = [...section.matchAll(/```mermaid\n([\s\S]*?)```/g)]
    .map((match) => match[1]!)
    .find((body) => body.includes('stateDiagram-v2') && new RegExp(`^\\s*%% ${name}\\s*$`, 'm').test(body));
  if (!block) throw new Error(`no stateDiagram-v2 block marked "%% ${name}"`);
  return block
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.includes('-->'))
    .map((line) => {
      const parsed = /^(\[\*\]|\w+)\s*-->\s*(\[\*\]|\w+)\s*:\s*(\w+)$/.exec(line);
      if (!parsed) throw new Error(`cannot read the diagram's line "${line}"`);
      const [, from, to, via] = parsed;
      return `${from === '[*]' ? 'new' : from} -${via}-> ${to === '[*]' ? 'gone' : to}`;
    })
    .sort();
}

const tableEdges = (edges: readonly Edge<string, string>[]) =>
  [...new Set(edges.map((edge) => `${edge.from} -${edge.via}-> ${edge.to}`))].sort();

describe('docs/architecture.md: the lifecycle diagram', () => {
  const doc = readFileSync(DOC, 'utf8');

  it('draws every transition of a fetch the code allows, and no other', () => {
    expect(drawnEdges(doc, 'registration')).toEqual(tableEdges(REGISTRATION_EDGES));
  });

  it('draws every transition of a record the code allows, and no other', () => {
    expect(drawnEdges(doc, 'record')).toEqual(tableEdges(RECORD_EDGES));
  });

  it('fails on a drawing that differs (the check can fail)', () => {
    const missing = doc.replace(/^\s*paused --> queued : resume\n/m, '');
    expect(drawnEdges(missing, 'registration')).not.toEqual(tableEdges(REGISTRATION_EDGES));
  });
});
