// Turns each accepted payload shape into plain event inputs: ifthen's own, Segment's and CloudEvents'.
// A shape problem with one item becomes that item's error; the others go on.

export interface Item {
  /** Where the item was in the request, for error paths: `[3]`, `batch[3]`. */
  readonly path: string;
  readonly input?: unknown;
  readonly error?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `POST /v1/events` with application/json: one event, an array, or `{"batch": [...]}`. */
export function fromEventsBody(body: unknown): Item[] | string {
  if (Array.isArray(body)) return body.map((input, i) => ({ path: `[${i}]`, input }));
  if (isObject(body) && Array.isArray(body.batch)) return body.batch.map((input, i) => ({ path: `batch[${i}]`, input }));
  if (isObject(body)) return [{ path: '', input: body }];
  return 'the body must be an event object, an array of events, or {"batch": [...]}';
}

/** CloudEvents structured mode: `subject` is the subject, `data` the properties. */
export function fromCloudEvents(body: unknown, batch: boolean): Item[] | string {
  if (batch) {
    if (!Array.isArray(body)) return 'a CloudEvents batch must be a JSON array';
    return body.map((ce, i) => fromCloudEvent(ce, `[${i}]`));
  }
  return [fromCloudEvent(body, '')];
}

function fromCloudEvent(ce: unknown, path: string): Item {
  if (!isObject(ce)) return { path, error: 'a CloudEvent must be an object' };
  if (ce.specversion !== '1.0') return { path: join(path, 'specversion'), error: 'must be "1.0"' };
  if (ce.data !== undefined && ce.data !== null && !isObject(ce.data)) return { path: join(path, 'data'), error: 'must be a JSON object (it becomes the properties)' };
  const input: Json = { type: ce.type, subject: ce.subject, properties: ce.data ?? {} };
  if (ce.id !== undefined) input.id = ce.id;
  if (ce.time !== undefined) input.time = ce.time;
  return { path, input };
}

/** Segment's `track`, `identify`, `page`, `screen` calls; `userId` or `anonymousId` is the subject. */
export function fromSegmentCall(call: unknown, path: string, impliedType?: string): Item {
  if (!isObject(call)) return { path, error: 'a call must be an object' };
  const kind = impliedType ?? call.type;
  const subject = call.userId ?? call.anonymousId;
  if (subject === undefined || subject === null || subject === '') return { path: join(path, 'userId'), error: 'userId or anonymousId is required' };
  const input: Json = { subject: typeof subject === 'number' ? String(subject) : subject };
  if (call.messageId !== undefined) input.id = call.messageId;
  if (call.timestamp !== undefined) input.time = call.timestamp;
  switch (kind) {
    case 'track':
      input.type = call.event;
      input.properties = call.properties ?? {};
      break;
    case 'identify':
      input.type = 'identify';
      input.properties = call.traits ?? {};
      break;
    case 'page':
    case 'screen':
      input.type = kind;
      input.properties = isObject(call.properties) ? { ...call.properties, ...(call.name !== undefined ? { name: call.name } : {}) } : call.properties ?? {};
      break;
    default:
      return { path: join(path, 'type'), error: `Segment call type "${String(kind)}" is not supported (track, identify, page, screen are)` };
  }
  return { path, input };
}

export function fromSegmentBatch(body: unknown): Item[] | string {
  if (!isObject(body) || !Array.isArray(body.batch)) return 'the body must be {"batch": [...]}';
  return body.batch.map((call, i) => fromSegmentCall(call, `batch[${i}]`));
}

function join(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}
