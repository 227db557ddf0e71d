// A real data directory whose events arrived at chosen times (ingest stamps arrival with the clock; a backtest
// test needs days in the past): written through the pipeline's own stores, as the server writes them.
import { loadConfig } from '../../src/config.ts';
import { openPipelineStores } from '../../src/store/open.ts';
import { encodeEvent } from '../../src/store/contracts.ts';
import { tempDir } from '../support/server.ts';

export interface StoredEvent {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  /** Arrival (and event) time, epoch ms. */
  readonly at: number;
  readonly properties?: Record<string, unknown>;
}

export async function dataDirWith(events: readonly StoredEvent[]) {
  const dir = tempDir('ifthen-backtest-');
  const config = loadConfig({ IFTHEN_DATA: dir.path });
  const stores = openPipelineStores(config);
  try {
    await stores.log.append(events.map((e) => encodeEvent({ id: e.id, type: e.type, subject: e.subject, time: e.at, receivedAt: e.at, properties: e.properties ?? {}, depth: 0 })));
    await stores.flush();
  } finally {
    stores.close();
  }
  return { dbFile: config.dbFile, remove: dir.remove };
}

