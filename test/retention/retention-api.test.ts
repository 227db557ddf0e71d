// Retention as the API and /metrics show it: the policy and where each history starts (GET /v1/retention, list
// pages), the disk gauges with sane values, the deletes counted; and a database made before auto_vacuum converted.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startTestServer } from '../support/server.ts';
import { until } from '../support/until.ts';
import { tempDir } from '../support/server.ts';
import { loadConfig } from '../../src/config.ts';
import { openPipelineStores } from '../../src/store/open.ts';

const gauge = (metrics: string, name: string, labels = ''): number | undefined => {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

test('GET /v1/retention, list pages and /metrics tell the policy, where history starts, the disk and what was deleted', { timeout: 60_000 }, async () => {
  const server = await startTestServer({ IFTHEN_RETENTION_EVENTS_MS: '1500', IFTHEN_RETENTION_INTERVAL_MS: '100', IFTHEN_RETENTION_DELIVERED_MS: '0' });
  try {
    const sentAt = Date.now();
    const sent = await server.request('POST', '/v1/events', Array.from({ length: 30 }, (_, i) => ({ id: `e${i}`, type: 'tick', subject: 's' })));
    assert.equal(sent.status, 200, sent.text);

    const retention = await server.request('GET', '/v1/retention');
    assert.equal(retention.status, 200, retention.text);
    assert.deepEqual(retention.body.periods, { events: 1500, firings: 2_592_000_000, delivered: 0, dead: 2_592_000_000, failures: 2_592_000_000, ruleErrors: 2_592_000_000, suppressions: 2_592_000_000, goalEvents: 7_862_400_000 });
    assert.equal(retention.body.intervalMs, 100);
    assert.ok(Math.abs(Date.parse(retention.body.oldestStored.events) - sentAt) < 5_000, retention.body.oldestStored.events);
    assert.equal(retention.body.oldestStored.firings, null);
    const page = await server.request('GET', '/v1/events?limit=5');
    assert.equal(page.body.oldestStored, retention.body.oldestStored.events, 'a list page says where the history starts');

    const before = (await server.request('GET', '/metrics')).text;
    // Until a checkpoint copies it back, what was written may be only in the WAL.
    assert.ok(gauge(before, 'ifthen_db_file_bytes')! + gauge(before, 'ifthen_db_wal_bytes')! > 10 * 4096, 'the file and WAL sizes');
    assert.ok(gauge(before, 'ifthen_db_pages')! > 10);
    assert.ok(gauge(before, 'ifthen_db_free_pages')! >= 0);
    assert.equal(gauge(before, 'ifthen_db_page_size_bytes'), 4096);
    assert.equal(gauge(before, 'ifthen_table_rows_estimate', '{table="events"}'), 30, 'the events estimate');
    assert.equal(gauge(before, 'ifthen_table_rows_estimate', '{table="firings"}'), 0);
    assert.ok(Math.abs(gauge(before, 'ifthen_retention_oldest_timestamp_seconds', '{table="events"}')! * 1000 - sentAt) < 5_000);
    assert.equal(gauge(before, 'ifthen_retention_oldest_timestamp_seconds', '{table="firings"}'), undefined, 'no oldest time for an empty table');

    // Processed and past 1.5 s, they go.
    const after = await until(async () => {
      const text = (await server.request('GET', '/metrics')).text;
      return gauge(text, 'ifthen_retention_deleted_total', '{kind="events"}') === 30 ? text : undefined;
    }, 20_000);
    assert.equal(gauge(after, 'ifthen_table_rows_estimate', '{table="events"}'), 0);
    assert.equal(gauge(after, 'ifthen_retention_oldest_timestamp_seconds', '{table="events"}'), undefined);
    assert.ok(gauge(after, 'ifthen_retention_last_pass_timestamp_seconds')! * 1000 > sentAt);
    assert.ok(gauge(after, 'ifthen_retention_last_pass_longest_step_seconds')! < 0.05, 'no transaction held the writer long');
    const empty = await server.request('GET', '/v1/events');
    assert.deepEqual(empty.body, { items: [], oldestStored: null });
    assert.equal((await server.request('GET', '/v1/retention')).body.oldestStored.events, null);
    const replay = await server.request('POST', '/v1/deliveries/replay', { from: new Date(sentAt - 86_400_000).toISOString() });
    assert.deepEqual(replay.body, { replayed: 0, oldestStored: null }, 'a replay range reaching past what is stored says so');
  } finally {
    await server.stop();
  }
});

test('a database made without auto_vacuum is converted by a VACUUM at start when small, and left with a warning when large', () => {
  for (const [maxBytes, expected] of [['1073741824', 2], ['0', 0]] as const) {
    const dir = tempDir('ifthen-vacuum-');
    const notices: string[] = [];
    try {
      const old = new Database(join(dir.path, 'ifthen.db'));
      old.pragma('journal_mode = WAL');
      old.exec('CREATE TABLE legacy (x); INSERT INTO legacy VALUES (1)');
      assert.equal(old.pragma('auto_vacuum', { simple: true }), 0);
      old.close();
      const stores = openPipelineStores(loadConfig({ IFTHEN_DATA: dir.path, IFTHEN_VACUUM_AT_START_MAX_BYTES: maxBytes }), { onNotice: (level, _data, message) => notices.push(`${level}: ${message}`) });
      stores.close();
      const reopened = new Database(join(dir.path, 'ifthen.db'), { readonly: true });
      assert.equal(reopened.pragma('auto_vacuum', { simple: true }), expected);
      assert.equal(reopened.prepare('SELECT x FROM legacy').pluck().get(), 1, 'the data is kept');
      reopened.close();
      assert.match(notices.join('\n'), expected ? /^info: .*converted by a one-time VACUUM/ : /^warn: .*IFTHEN_VACUUM_AT_START_MAX_BYTES/);
    } finally {
      dir.remove();
    }
  }
});
