// What the rules did, through the CLI against the real server and a real webhook receiver: firings explained in
// words, deliveries as they stand now, retry / resend / replay and their refusals, failed events.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { until } from '../support/until.ts';
import { errorReports, recordInHistory, runCli } from './cli.ts';
import type { WorldRef } from './world.ts';

export const runCases = (world: WorldRef) => describe('ifthen firings, deliveries and failures', { concurrency: true }, () => {

  /** A webhook rule to `/<id>` for events of its own type (`<id>` unless given) over 30 in KR; `delivery` is its retry policy. */
  const saveRule = async (id: string, delivery = '', type = id) => {
    const { server, receiver } = world();
    const yaml = `id: ${id}\nwhen:\n  event: ${type}\n  where: event.properties.total >= 30 && subject.country == "KR"\nthen:\n  - webhook: { url: "${receiver.url}/${id}", body: { to: "{{ subject.id }}" } }\n  - emit: { event: reminded }\n${delivery}`;
    assert.equal((await server.request('PUT', `/v1/rules/${id}`, yaml)).status, 201);
  };
  /** Sends one matching event for a new subject and waits for the firing; its delivery is `<firing id>.0`. */
  const fire = async (rule: string, subject: string, type = rule) => {
    const { server } = world();
    await server.request('POST', '/v1/events', [
      { type: 'identify', subject, properties: { country: 'KR' } },
      { id: `${subject}-cart`, type, subject, properties: { total: 42 } },
    ]);
    const firing = await until(async () => (await server.request('GET', `/v1/firings?rule=${rule}`)).body.items[0]);
    return { firing: firing.id as string, delivery: `${firing.id}.0` };
  };
  const status = (delivery: string, wanted: string) =>
    until(async () => ((await world().server.request('GET', `/v1/deliveries/${delivery}`)).body.status === wanted ? true : undefined));

  it('firings shows the values each condition saw and where each action stands now, not the "queued" of firing time', async () => {
    const { server } = world();
    await saveRule('list-now');
    const { delivery } = await fire('list-now', 'ana');
    await status(delivery, 'delivered');

    const result = await runCli(['firings', '--rule', 'list-now'], { url: server.url });

    assert.equal(result.code, 0, result.stderr);
    const [header, row] = result.stdout.split('\n');
    assert.match(header, /^TIME +RULE +SUBJECT +CONDITION SAW +ACTIONS +ID$/);
    assert.match(row, /list-now v1 +ana +event\.properties\.total = 42 ≥ 30 and subject\.country = "KR" +webhook delivered, emit applied +f_/);
  });

  it('firing <id> (and firings <id>) explains the match check by check, with each delivery as it stands now', async () => {
    const { server } = world();
    await saveRule('explained', '', 'cart_updated');
    const { firing, delivery } = await fire('explained', 'bo', 'cart_updated');
    await status(delivery, 'delivered');

    const result = await runCli(['firing', firing], { url: server.url });

    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.ok(lines.includes(`firing:  ${firing}`), result.stdout);
    assert.ok(lines.includes('event:   bo-cart'), result.stdout);
    assert.ok(lines.includes('matched because event.properties.total = 42 ≥ 30 and subject.country = "KR"'), result.stdout);
    assert.ok(lines.includes('  ✓ event type is cart_updated'), result.stdout);
    assert.ok(lines.includes('  ✓ event.properties.total = 42 ≥ 30'), result.stdout);
    assert.ok(lines.includes('  ✓ subject.country = "KR"'), result.stdout);
    assert.match(result.stdout, /^ {2}1\. webhook {2}delivered at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ after 1 attempt\n {14}delivery f_\S+\.0$/m);
    assert.match(result.stdout, /^ {2}2\. emit {5}applied: emitted reminded /m);
    assert.equal((await runCli(['firings', firing], { url: server.url })).stdout, result.stdout);
  });

  it('delivery retry replays a dead delivery; firing and delivery say it was dead, and what to run', async () => {
    const { server, receiver, failing } = world();
    await saveRule('dies', 'delivery: { max_attempts: 1 }\n');
    failing.add('/dies');
    const { firing, delivery } = await fire('dies', 'cy');
    await status(delivery, 'dead');

    const shown = await runCli(['firing', firing], { url: server.url });
    assert.match(shown.stdout, /1\. webhook {2}dead after 1 attempt: HTTP 503/);
    assert.match(shown.stdout, new RegExp(`delivery ${delivery.replace(/[.]/g, '\\.')}; replay it with: ifthen delivery retry ${delivery.replace(/[.]/g, '\\.')}`));
    const one = await runCli(['delivery', delivery], { url: server.url });
    assert.match(one.stdout, /^status: +dead$/m);
    assert.match(one.stdout, /^1 +\S+ \S+ +503 +[\d.]+ms +.*busy$/m);
    // What the attempt sent is shown once the dispatcher records it (being added on another branch); what came back, always.
    const { request } = (await server.request('GET', `/v1/deliveries/${delivery}`)).body.attempts[0];
    if (request) assert.match(one.stdout, new RegExp(`^attempt 1 sent:\\n {2}POST ${receiver.url}/dies\\n(.*\\n)*and got back:\\n {2}503\\n {2}busy$`, 'm'));
    else assert.match(one.stdout, /^attempt 1 got back:\n {2}503\n {2}busy$/m);
    const dlq = await runCli(['dlq', 'ls', '--rule', 'dies'], { url: server.url });
    assert.match(dlq.stdout, new RegExp(`${delivery.replace(/[.]/g, '\\.')} +dies +cy +webhook +dead +1 `));

    failing.delete('/dies');
    const retried = await runCli(['delivery', 'retry', delivery, '--wait'], { url: server.url });

    assert.equal(retried.code, 0, retried.stderr);
    assert.equal(retried.stdout.split('\n')[0], `replaying ${delivery} now: it was dead after 1 attempt; a fresh run of attempts starts, with the same idempotency key`);
    assert.match(retried.stdout.split('\n')[1], /^delivered at .+ after 2 attempts$/);
    assert.equal(receiver.requests.filter((r) => r.url === '/dies').length, 2);
  });

  it('delivery retry tries a pending delivery now instead of waiting for its back-off', async () => {
    const { server, failing } = world();
    await saveRule('waits', 'delivery: { max_attempts: 10, backoff: 1h, backoff_max: 1h }\n');
    failing.add('/waits');
    const { delivery } = await fire('waits', 'di');
    await until(async () => ((await server.request('GET', `/v1/deliveries/${delivery}`)).body.attempts.length > 0 ? true : undefined));
    failing.delete('/waits');

    const retried = await runCli(['delivery', 'retry', delivery, '--wait'], { url: server.url });

    assert.equal(retried.code, 0, retried.stderr);
    assert.equal(retried.stdout.split('\n')[0], `retrying ${delivery} now instead of waiting for its back-off`);
    assert.match(retried.stdout.split('\n')[1], /^delivered at .+ after \d+ attempts$/);
  });

  it('delivery resend sends a delivered one again with the same idempotency key; the wrong move is refused with the right command', async () => {
    const { server, receiver } = world();
    await saveRule('again');
    const { delivery } = await fire('again', 'ed');
    await status(delivery, 'delivered');

    const refusals = await Promise.all([
      runCli(['delivery', 'retry', delivery], { url: server.url }),
      runCli(['dlq', 'replay', delivery], { url: server.url }),
    ]);
    for (const refused of refusals) {
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, new RegExp(`^ifthen: delivery ${delivery.replace(/[.]/g, '\\.')} was already delivered \\(.+\\); to send it again: ifthen delivery resend ${delivery.replace(/[.]/g, '\\.')}\\n$`));
    }

    const resent = await runCli(['delivery', 'resend', delivery, '--wait'], { url: server.url });

    assert.equal(resent.code, 0, resent.stderr);
    assert.match(resent.stdout, /^resending .+ now, with the same idempotency key .*\ndelivered at .+ after 2 attempts\n$/);
    const sent = receiver.requests.filter((r) => r.url === '/again');
    assert.equal(sent.length, 2);
    assert.equal(sent[1].headers['idempotency-key'], sent[0].headers['idempotency-key']);
  });

  it('delivery resend of a dead delivery is refused and names "delivery retry"; an unknown delivery is a 404', async () => {
    const { server, failing } = world();
    await saveRule('gone', 'delivery: { max_attempts: 1 }\n');
    failing.add('/gone');
    const { delivery } = await fire('gone', 'fa');
    await status(delivery, 'dead');

    const [refused, unknown] = await Promise.all([
      runCli(['delivery', 'resend', delivery], { url: server.url }),
      runCli(['delivery', 'nope.0'], { url: server.url }),
    ]);

    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^ifthen: delivery \S+ was never delivered: it is dead after 1 attempt: HTTP 503.*; to replay it: ifthen delivery retry \S+\n$/);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'ifthen: no delivery "nope.0" (IFTHEN_ERR_NOT_FOUND)\n');
  });

  it('deliveries lists each action sent; dlq replay --all replays the dead ones of a rule', async () => {
    const { server, failing } = world();
    await saveRule('many', 'delivery: { max_attempts: 1 }\n');
    failing.add('/many');
    const { delivery } = await fire('many', 'gu');
    await status(delivery, 'dead');
    const listed = await runCli(['deliveries', '--rule', 'many', '--status', 'dead'], { url: server.url });
    assert.match(listed.stdout, /^CREATED +ID +RULE +SUBJECT +ACTION +STATUS +ATTEMPTS +LAST ERROR\n.+ many +gu +webhook +dead +1 +HTTP 503/);

    failing.delete('/many');
    const preview = await runCli(['dlq', 'replay', '--all', '--rule', 'many', '--dry-run'], { url: server.url });
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, /^would replay 1 delivery to 1 destination:\n {2}127\.0\.0\.1:\d+ \(webhook\): 1\nmade by rule many \(1\) at v1\ncreated from \S+ to \S+\neach keeps its idempotency key; nothing was replayed \(run again without --dry-run\)\n$/);
    assert.equal((await server.request('GET', `/v1/deliveries/${delivery}`)).body.status, 'dead', 'the dry run changed nothing');
    const replayed = await runCli(['dlq', 'replay', '--all', '--rule', 'many'], { url: server.url });
    assert.equal(replayed.stdout, 'replayed 1 delivery\n', replayed.stderr);
    await status(delivery, 'delivered');
  });

  it('failures lists the events the processor passed over, newest first; rules get heads the rule with its run-time errors', async () => {
    const { server } = world();
    await saveRule('erring');
    const now = Date.now();
    recordInHistory(server.dataDir, {
      ruleErrors: [
        { rule: 'erring', eventId: 'evt-old', message: 'No such key: total', at: now - 60_000 },
        { rule: 'erring', eventId: 'evt-new', message: 'no such overload: dyn<string> >= int', at: now },
      ],
      failures: [{ eventId: 'evt-poison', stage: 'step', error: 'RangeError: Maximum call stack size exceeded', at: now }],
    });

    const [got, errors, failures, clean] = await Promise.all([
      runCli(['rules', 'get', 'erring'], { url: server.url }),
      runCli(['rules', 'errors', 'erring'], { url: server.url }),
      runCli(['failures'], { url: server.url }),
      runCli(['rules', 'get', 'never-saved'], { url: server.url }),
    ]);

    assert.deepEqual(got.stdout.split('\n').slice(1, 5), [
      '# 2 run-time errors, newest first:',
      `#   ${new Date(now).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')}  event evt-new: no such overload: dyn<string> >= int`,
      `#   ${new Date(now - 60_000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')}  event evt-old: No such key: total`,
      'id: erring',
    ]);
    assert.match(errors.stdout, /^AT +EVENT +ERROR\n.+ evt-new +no such overload.*\n.+ evt-old +No such key: total\n$/);
    assert.match(failures.stdout, /^AT +STAGE +EVENT +ERROR\n.+ step +evt-poison +RangeError: Maximum call stack size exceeded\n$/);
    assert.equal(clean.stderr, 'ifthen: no rule "never-saved" (IFTHEN_ERR_NOT_FOUND)\n');
    assert.equal(errorReports(clean.stderr), 1);
  });

  it('rules get says "no run-time errors" when the rule has none, and its output applies back unchanged', async () => {
    const { server } = world();
    await saveRule('clean');
    const got = await runCli(['rules', 'get', 'clean'], { url: server.url });
    assert.match(got.stdout, /^# version 1, enabled, updated .+\n# no run-time errors\nid: clean\n/);
    const back = await runCli(['apply', '-f', '-'], { url: server.url, stdin: got.stdout });
    assert.equal(back.stdout, 'unchanged clean v1\n', back.stderr);
  });
});
