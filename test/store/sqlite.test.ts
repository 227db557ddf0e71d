// The SQLite backend against the storage conformance suite: each test on a new file in a temp dir, opened
// as the server opens it (an API connection and a pipeline connection); `connect` opens another pair.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { openApiStores, openPipelineStores } from '../../src/store/open.ts';
import { describeStoreConformance } from './conformance.ts';

describeStoreConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ifthen-store-'));
  const config = loadConfig({ IFTHEN_DATA: dir });
  const opened: { close(): void }[] = [];
  const connect = async () => {
    const api = openApiStores(config);
    const pipeline = openPipelineStores(config);
    opened.push(api, pipeline);
    const { log, outbox } = pipeline;
    return { ...api, log, pipeline: pipeline.pipeline, outbox };
  };
  return {
    ...(await connect()),
    connect,
    async close() {
      for (const handle of opened) handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
