// "Why (not)?" through the CLI against the real server: `ifthen test <file> --event <file> --events <jsonl>` and
// `ifthen explain <subject> --rule <id>`, the decisions printed in words.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { until } from '../support/until.ts';
import { runCli } from './cli.ts';
import type { WorldRef } from './world.ts';

const RULE = (id: string, type: string) => `id: ${id}\nwhen:\n  event: ${type}\n  where: event.properties.total >= 30 && subject.country == "KR"\nthen:\n  - log: { message: "big {{ event.properties.total }}" }\n`;

export const explainCases = (world: WorldRef) => describe('ifthen test with earlier events, ifthen explain', { concurrency: true }, () => {
  const cli = (args: string[]) => runCli(args, { url: world().server.url });

  it('test <rule.yaml> --event <file> --events <jsonl> replays the earlier events and says what each did', async () => {
    const { server, dir } = world();
    const ruleFile = join(dir, 'x-explained.yaml');
    const eventFile = join(dir, 'x-event.json');
    const earlierFile = join(dir, 'x-earlier.jsonl');
    await writeFile(ruleFile, RULE('x-explained', 'x_cart'));
    await writeFile(eventFile, JSON.stringify({ type: 'x_cart', subject: 'u-x', properties: { total: 45 }, time: '2026-11-01T10:02:00Z' }));
    await writeFile(earlierFile, [
      JSON.stringify({ id: 'who', type: 'identify', subject: 'u-x', properties: { country: 'KR' }, time: '2026-11-01T10:00:00Z' }),
      '',
      JSON.stringify({ id: 'small', type: 'x_cart', subject: 'u-x', properties: { total: 12 }, time: '2026-11-01T10:01:00Z' }),
    ].join('\n'));

    const result = await cli(['test', ruleFile, '--event', eventFile, '--events', earlierFile]);

    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.equal(lines[0], 'MATCHED  x-explained (local file)');
    assert.ok(lines.includes('earlier events'), result.stdout);
    assert.ok(lines.includes('  2026-11-01 10:00:00Z  identify who  event type: identify is not x_cart'), result.stdout);
    assert.ok(lines.includes('  2026-11-01 10:01:00Z  x_cart small  where: false: event.properties.total = 12, not ≥ 30'), result.stdout);
    assert.ok(lines.includes('  ✓ subject.country = "KR"'), result.stdout);
    assert.match(result.stdout, /\nactions \(nothing was sent\)\n {2}1\. log: would be sent\n {7}message: big 45\n/);
    assert.equal((await server.request('GET', '/v1/rules/x-explained')).status, 404, 'a test saves nothing');

    const bad = await cli(['test', ruleFile, '--event', eventFile, '--events', join(dir, 'missing.jsonl')]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /missing\.jsonl: no such file/);
  });

  it('test says what stopped a rule with memory after its condition held: the window, with its value and bound', async () => {
    const { dir } = world();
    const ruleFile = join(dir, 'x-window.yaml');
    const earlierFile = join(dir, 'x-window.jsonl');
    await writeFile(ruleFile, 'id: x-window\nwhen:\n  event: x_seen\n  count: { at_least: 3, within: 10m }\nthen:\n  - log: { message: hi }\n');
    await writeFile(earlierFile, `${JSON.stringify({ type: 'x_seen', subject: 'u-w', time: '2026-11-01T10:00:00Z' })}\n`);

    const result = await cli(['test', ruleFile, '--event', '{"type":"x_seen","subject":"u-w","time":"2026-11-01T10:01:00Z"}', '--events', earlierFile]);

    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 2), ['NOT MATCHED  x-window (local file)', 'did not fire: window: count 2 of at least 3 within 10m']);
    assert.match(result.stdout, /\n {2}2026-11-01 10:00:00Z {2}x_seen \S+ {2}window: count 1 of at least 3 within 10m\n/);
  });

  it('explain <subject> --rule <id> prints each recent event with what the rule did, and the firings recorded', async () => {
    const { server } = world();
    assert.equal((await server.request('PUT', '/v1/rules/x-why', RULE('x-why', 'x_why'))).status, 201);
    await server.request('POST', '/v1/events', [
      { id: 'why-id', type: 'identify', subject: 'u-why', properties: { country: 'KR' } },
      { id: 'why-small', type: 'x_why', subject: 'u-why', properties: { total: 7 } },
      { id: 'why-big', type: 'x_why', subject: 'u-why', properties: { total: 70 } },
    ]);
    await until(async () => (await server.request('GET', '/v1/firings?rule=x-why')).body.items[0]);

    const result = await cli(['explain', 'u-why', '--rule', 'x-why']);

    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.equal(lines[0], 'x-why v1 for u-why: fired 1 of 3 times');
    const small = lines.findIndex((l) => / {2}x_why why-small$/.test(l));
    assert.ok(small > 0, result.stdout);
    assert.equal(lines[small + 1], '  ✗ where: false: event.properties.total = 7, not ≥ 30');
    assert.equal(lines[small + 2], '      ✗ event.properties.total = 7, not ≥ 30');
    const big = lines.findIndex((l) => / {2}x_why why-big$/.test(l));
    assert.match(lines[big + 1], /^ {2}✓ fired \(f_\S+\)$/);
    assert.ok(lines.includes('firings recorded'), result.stdout);
    assert.match(result.stdout, /\n {2}\S+ \S+ {2}f_\S+ \(event why-big\)\n$/);

    const json = JSON.parse((await cli(['explain', 'u-why', '--rule', 'x-why', '--json'])).stdout);
    assert.equal(json.decisions.length, 3);
    const missing = await cli(['explain', 'u-why']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing --rule <rule-id>/);
  });
});
