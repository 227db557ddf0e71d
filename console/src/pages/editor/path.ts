// Paths into the rule document, written as the server writes them in its errors (`then[0].webhook.url`,
// `when.after[1].within`): the form reads and writes fields by the same path its errors name.
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Doc = { [key: string]: Json };
type Key = string | number;

export function parsePath(path: string): Key[] {
  const keys: Key[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) { keys.push(part); continue; }
    if (match[1]) keys.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) keys.push(Number(index[1]));
  }
  return keys;
}

export function getAt(doc: Json | undefined, path: string): Json | undefined {
  let at: Json | undefined = doc;
  for (const key of parsePath(path)) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<Key, Json>)[key];
  }
  return at;
}

/** A copy of the document with the value at the path (created as needed); `undefined` removes the key. */
export function setAt(doc: Doc, path: string, value: Json | undefined): Doc {
  const keys = parsePath(path);
  const put = (node: Json | undefined, i: number): Json | undefined => {
    const key = keys[i];
    if (i === keys.length) return value;
    const base: Json = Array.isArray(node) ? [...node] : node !== null && typeof node === 'object' ? { ...node } : typeof key === 'number' ? [] : {};
    const next = put((base as Record<Key, Json>)[key], i + 1);
    if (next === undefined) {
      if (Array.isArray(base) && typeof key === 'number') base.splice(key, 1);
      else delete (base as Record<Key, Json>)[key];
    } else (base as Record<Key, Json>)[key] = next;
    return base;
  };
  return put(doc, 0) as Doc;
}

/** An id for the element of a field: errors link to it (`#f-then-0-webhook-url`). */
export const fieldId = (path: string) => `f-${path.replace(/[^a-zA-Z0-9]+/g, '-').replace(/-$/, '')}`;
