// What every field of the form shares: the draft document, how to change one path of it, the errors by path,
// and the event catalogue (for suggestions).
import { createContext, useContext } from 'react';
import type { Doc, Json } from './path.ts';
import type { EventTypes } from '../../types.ts';

export interface EditorState {
  doc: Doc;
  update(path: string, value: Json | undefined): void;
  errors: ReadonlyMap<string, string>;
  catalogue: EventTypes | undefined;
  /** The checks of the last test ("✗ event.properties.total = 12, not ≥ 30"), shown on the condition rows they name. */
  checks: readonly string[];
  setChecks(checks: readonly string[]): void;
}

export const EditorContext = createContext<EditorState>({ doc: {}, update: () => {}, errors: new Map(), catalogue: undefined, checks: [], setChecks: () => {} });
export const useEditor = () => useContext(EditorContext);

/** Event types of the catalogue, and the property paths of the given types (all types when none). */
export function suggestions(catalogue: EventTypes | undefined, types: readonly string[]) {
  const items = catalogue?.items ?? [];
  const chosen = items.filter((i) => !types.length || types.includes('*') || types.includes(i.type));
  const properties = new Map<string, { types: string[]; example: unknown }>();
  for (const item of chosen) for (const p of item.properties) if (!properties.has(p.path)) properties.set(p.path, { types: p.types, example: p.example });
  return { types: items.map((i) => i.type), properties };
}

/** The event types a `when.event`-like value names. */
export function typesOf(value: Json | undefined): string[] {
  if (typeof value === 'string') return value ? [value] : [];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
