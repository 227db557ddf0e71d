// Ingest: validates each item, appends the valid ones durably in one call, and reports every item's outcome.
import type { AppendStatus, EncodedEvent } from '../store/contracts.ts';
import { encodeEvent } from '../store/contracts.ts';
import type { Item } from './normalize.ts';
import { validateEvent, type EventLimits } from './validate-event.ts';
import { IDENTIFY_EVENT_TYPE } from '../engine/event.ts';

export type ItemResult =
  | { readonly index: number; readonly id: string; readonly status: AppendStatus }
  | { readonly index: number; readonly status: 'rejected'; readonly error: { readonly code: string; readonly path: string; readonly message: string } };

export interface IngestReport {
  readonly accepted: number;
  readonly duplicate: number;
  readonly rejected: number;
  readonly results: readonly ItemResult[];
}

export async function ingest(items: readonly Item[], limits: EventLimits, now: number, append: (events: readonly EncodedEvent[]) => Promise<AppendStatus[]>): Promise<IngestReport> {
  const results: ItemResult[] = new Array(items.length);
  const valid: EncodedEvent[] = [];
  const validIndex: number[] = [];
  items.forEach((item, index) => {
    if (item.error !== undefined) {
      results[index] = { index, status: 'rejected', error: { code: 'IFTHEN_ERR_INVALID_EVENT', path: item.path || '(root)', message: item.error } };
      return;
    }
    const checked = validateEvent(item.input, limits, now, item.path);
    if ('error' in checked) {
      results[index] = { index, status: 'rejected', error: checked.error };
      return;
    }
    const encoded = encodeEvent(checked.event);
    // The serialised size is known only now; an identify this large could never fit in a profile.
    if (encoded.type === IDENTIFY_EVENT_TYPE && Buffer.byteLength(encoded.properties) > limits.subjectBytes) {
      const message = `is ${Buffer.byteLength(encoded.properties)} bytes as JSON; a subject's attributes may take at most ${limits.subjectBytes} (limit IFTHEN_MAX_SUBJECT_BYTES)`;
      results[index] = { index, status: 'rejected', error: { code: 'IFTHEN_ERR_PROFILE_TOO_LARGE', path: item.path ? `${item.path}.properties` : 'properties', message } };
      return;
    }
    valid.push(encoded);
    validIndex.push(index);
  });
  const statuses = valid.length ? await append(valid) : [];
  statuses.forEach((status, i) => { results[validIndex[i]] = { index: validIndex[i], id: valid[i].id, status }; });
  let accepted = 0;
  let duplicate = 0;
  for (const s of statuses) if (s === 'accepted') accepted++; else duplicate++;
  return { accepted, duplicate, rejected: items.length - valid.length, results };
}
