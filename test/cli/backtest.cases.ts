// `ifthen backtest` against the real server: a saved rule by id and a local file as a draft, in words.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { until } from '../support/until.ts';
import { runCli } from './cli.ts';
import type { WorldRef } from './world.ts';

const DAY = 86_400_000;
const ruleYaml = (id: string, bound: number) => `id: ${id}\nwhen:\n  event: bt_order\n  where: event.properties.total >= ${bound}\nthen:\n  - log: { message: "big order" }\n`;

export const backtestCases = (world: WorldRef) => describe('ifthen backtest', { concurrency: true }, () => {
  const cli = (args: string[]) => runCli(args, { url: world().server.url });

  it('backtests a saved rule and a local file: firings, subjects, a bar per day, a sample explained, the range covered', async () => {
    const { server, dir } = world();
    assert.equal((await server.request('PUT', '/v1/rules/bt-big', ruleYaml('bt-big', 30))).status, 201);
    const events = Array.from({ length: 10 }, (_, i) => ({ id: `bt-${i}`, type: 'bt_order', subject: `bt-u${i % 4}`, properties: { total: i * 10 } }));
    assert.equal((await server.request('POST', '/v1/events', events)).status, 200);
    await until(async () => ((await server.request('GET', '/v1/firings?rule=bt-big')).body.items.length === 7 ? true : undefined), 20_000);
    const from = new Date(Date.now() - DAY).toISOString().slice(0, 10);
    const to = new Date(Date.now() + DAY).toISOString().slice(0, 10);
    const today = new Date().toISOString().slice(0, 10);

    const saved = await cli(['backtest', 'bt-big', '--from', from, '--to', to, '--sample', '2']);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, /^BACKTEST  bt-big v1$/m);
    assert.match(saved.stdout, /^7 firings for 4 subjects$/m);
    assert.match(saved.stdout, /^suppressed: none$/m);
    assert.match(saved.stdout, new RegExp(`^  ${today}  7  █{40}$`, 'm'), 'a full bar for the busiest day');
    assert.match(saved.stdout, /^sample \(2 of 7\)$/m);
    assert.match(saved.stdout, /^    matched because event\.properties\.total = \d+ ≥ 30$/m);
    assert.match(saved.stdout, /^covered   .+ → .+$/m);
    assert.match(saved.stdout, /^  ! events before .+ are no longer stored/m, 'the request reached before the oldest stored event');

    const file = join(dir, 'bt-draft.yaml');
    await writeFile(file, ruleYaml('bt-draft', 80));
    const draft = await cli(['backtest', file, '--from', from, '--to', to]);
    assert.equal(draft.code, 0, draft.stderr);
    assert.match(draft.stdout, /^BACKTEST  bt-draft \(draft from .+bt-draft\.yaml\)$/m);
    assert.match(draft.stdout, /^2 firings for 2 subjects$/m);
    assert.equal((await server.request('GET', '/v1/rules/bt-draft')).status, 404, 'the draft was not saved');

    const json = await cli(['backtest', 'bt-big', '--from', from, '--to', to, '--json']);
    assert.equal(JSON.parse(json.stdout).firings, 7);

    // Near misses of the same day: totals 0, 10, 20 stopped the rule at `total >= 30`, for 3 subjects.
    const misses = await cli(['near-misses', 'bt-big', '--day', today]);
    assert.equal(misses.code, 0, misses.stderr);
    assert.match(misses.stdout, new RegExp(`^NEAR MISSES  bt-big v1  ${today} \\(UTC\\)$`, 'm'));
    assert.match(misses.stdout, /^4 subjects fired \(7 firings\)$/m);
    assert.match(misses.stdout, /^3 subjects stopped by condition false \(3 times\)$/m);
    assert.match(misses.stdout, /^  event\.properties\.total >= 30: 20, 10, 0$/m, 'the values closest to passing, the best first');
    assert.match(misses.stdout, /^3 subjects stopped at `?event\.properties\.total >= 30`?; median total 10$/m);
    const badDay = await cli(['near-misses', 'bt-big', '--day', 'monday']);
    assert.equal(badDay.code, 2);
    assert.match(badDay.stderr, /--day: must be a day like 2026-11-03/);
  });

  it('says what is missing: the range, the rule', async () => {
    const noRange = await cli(['backtest', 'bt-big']);
    assert.equal(noRange.code, 2);
    assert.match(noRange.stderr, /^ifthen: give the range with --from and --to/);
    const unknown = await cli(['backtest', 'bt-none', '--from', '2026-11-01', '--to', '2026-11-08']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'ifthen: no rule "bt-none" (IFTHEN_ERR_NOT_FOUND)\n');
    const reversed = await cli(['backtest', 'bt-big', '--from', '2026-11-08', '--to', '2026-11-01']);
    assert.match(reversed.stderr, /to: must be after from/);
  });
});
