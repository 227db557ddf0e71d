// The storage conformance suite: every backend (SQLite now, NATS JetStream + PostgreSQL later) runs it
// through the contracts only, never its own methods, SQL or files, and never reads a cursor's format.
import { describe } from 'node:test';
import type { OpenBackend } from './conformance/fixtures.ts';
import { describeEventLog } from './conformance/event-log.ts';
import { describePipelineStore } from './conformance/pipeline-store.ts';
import { describeOutbox } from './conformance/outbox.ts';
import { describeCatalog } from './conformance/catalog.ts';
import { describeHistory } from './conformance/history.ts';

export type { Backend, OpenBackend } from './conformance/fixtures.ts';

/** Runs every contract's tests; `open` gives fresh, empty instances of every contract on new storage. */
export function describeStoreConformance(name: string, open: OpenBackend): void {
  describe(`storage conformance: ${name}`, () => {
    describeEventLog(open);
    describePipelineStore(open);
    describeOutbox(open);
    describeCatalog(open);
    describeHistory(open);
  });
}
