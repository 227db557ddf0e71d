// The Report page in a real headless Chromium against the real server: a rule with a 50 % holdout whose treatment
// converts more than its holdout (events sent through the API, as a campaign's would arrive), a rule whose exposures
// are out of balance (sample-ratio mismatch), a rule without a holdout and one without data yet. The page must show
// the API's numbers, the lift and its interval, the chart, the verdict in words, in English and in Korean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { until } from '../support/until.ts';
import { inHoldout } from '../../src/engine/holdout/assignment.ts';
import { describeViolations, launch, screenshot, seriousViolations, signInWithToken } from './browser.ts';

const DAY = 86_400_000;
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** Exposures over four days, ten days ago: their one-day goal windows have all ended. */
const T0 = Math.floor(Date.now() / DAY) * DAY - 10 * DAY + 9 * 3_600_000;
const N = 400;

/** Each rule its own trigger, so one experiment's events expose nobody in another's. */
const trigger = (ruleId: string) => `${ruleId}_trigger`;
const rule = (id: string, extra: Record<string, unknown> = {}) => ({
  id, when: { event: trigger(id) }, then: [{ log: { message: 'remind {{ subject.id }}' } }],
  goal: { event: 'order_completed', within: '1d' }, guardrails: [{ event: 'unsubscribed', within: '1d' }], ...extra,
});

let sentSoFar = 0;
async function send(server: InProcessServer, events: unknown[]) {
  for (let i = 0; i < events.length; i += 200) {
    const sent = await server.request('POST', '/v1/events', events.slice(i, i + 200));
    assert.equal(sent.status, 200, sent.text);
    assert.equal(sent.body.accepted, Math.min(200, events.length - i), sent.text);
  }
  sentSoFar += events.length;
}

/**
 * Until the pipeline has processed every event ingested so far. Not by polling the report: it caches the sums of
 * days whose goal windows ended long ago (src/report/daily-cache.ts), so a report read half-way through a backfill
 * of old events would keep the half it saw.
 */
async function processed(server: InProcessServer) {
  await until(async () => {
    const { body } = await server.request('GET', '/v1/overview?window=1h');
    return body.now.totals.processed >= sentSoFar || undefined;
  }, 30_000);
}

/** Trigger events, then (once every exposure is recorded) the goal and guardrail events of the chosen subjects. */
async function experiment(server: InProcessServer, ruleId: string, subjects: Array<{ id: string; at: number; converts: boolean; unsubscribes?: boolean }>) {
  await send(server, subjects.map((s) => ({ id: `${ruleId}-cart-${s.id}`, type: trigger(ruleId), subject: s.id, time: iso(s.at) })));
  await processed(server);
  await send(server, subjects.filter((s) => s.converts).map((s) => ({ id: `${ruleId}-order-${s.id}`, type: 'order_completed', subject: s.id, time: iso(s.at + 10 * MIN), properties: { total: 30 } })));
  await send(server, subjects.filter((s) => s.unsubscribes).map((s) => ({ id: `${ruleId}-unsub-${s.id}`, type: 'unsubscribed', subject: s.id, time: iso(s.at + 20 * MIN) })));
  await processed(server);
  const { body } = await server.request('GET', `/v1/rules/${ruleId}/report`);
  assert.equal(body.matured.control + body.matured.treatment, subjects.length, JSON.stringify(body.matured));
  const groups = body.primary.comparison.groups;
  const converted = subjects.filter((s) => s.converts).length;
  if (body.primary.kind === 'conversion') assert.equal(groups.control.converters + groups.treatment.converters, converted);
  else assert.ok(Math.abs(groups.control.mean * groups.control.exposed + groups.treatment.mean * groups.treatment.exposed - 30 * converted) < 1e-6, 'every order counted at its total');
  return body;
}

test('Report page in Chromium: groups, lift and interval, chart, verdict, SRM, states, Korean, accessibility', { timeout: 300_000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startTestServer();
  try {
    // winback: the treatment converts at 50 %, the holdout at 20 % (on its own); 1 in 20 unsubscribes in both.
    for (const r of [rule('winback', { name: 'Win back abandoned carts', holdout: { percent: 50 } }), rule('lopsided', { holdout: { percent: 50 } }), rule('fresh', { holdout: { percent: 10 } }), rule('even', { holdout: { percent: 50 } }),
      rule('revenue', { holdout: { percent: 50 }, goal: { event: 'order_completed', within: '1d', value: 'event.properties.total' }, guardrails: undefined }), { id: 'plain', when: { event: 'cart_abandoned' }, then: [{ log: { message: 'x' } }] }]) {
      const saved = await server.request('PUT', `/v1/rules/${r.id}`, r);
      assert.equal(saved.status, 201, saved.text);
    }
    const winback = await experiment(server, 'winback', Array.from({ length: N }, (_, i) => {
      const id = `w${i}`;
      const held = inHoldout('winback', id, 50);
      return { id, at: T0 + (i % 4) * DAY + (i % 7) * MIN, converts: held ? i % 5 === 0 : i % 2 === 0, unsubscribes: i % 20 === 7 };
    }));
    assert.equal(winback.verdict, 'helped', winback.summary);
    // lopsided: only subjects the hash holds out, plus a few treated ones: 150 against 40 where 50:50 is expected.
    const held: string[] = [];
    const treated: string[] = [];
    for (let i = 0; held.length < 150 || treated.length < 40; i++) {
      const id = `l${i}`;
      if (inHoldout('lopsided', id, 50)) { if (held.length < 150) held.push(id); } else if (treated.length < 40) treated.push(id);
    }
    const lopsided = await experiment(server, 'lopsided', [...held, ...treated].map((id, i) => ({ id, at: T0 + (i % 3) * DAY, converts: i % 4 === 0 })));
    assert.equal(lopsided.primary.comparison.srm.flagged, true);
    // even: both groups convert alike (3 in 10), over two days: no clear effect, and the page says how long is left;
    // but 2 in 5 of the treated unsubscribe against 1 in 20 held out: a hurt guardrail.
    const even = await experiment(server, 'even', Array.from({ length: 240 }, (_, i) => {
      const id = `e${i}`;
      return { id, at: T0 + (i % 2) * DAY, converts: i % 10 < 3, unsubscribes: inHoldout('even', id, 50) ? i % 20 === 0 : i % 5 < 2 };
    }));
    assert.equal(even.verdict, 'inconclusive', even.summary);
    assert.equal(even.guardrails[0].comparison.verdict, 'hurt', even.summary);
    // revenue: a value goal (the order's total per person, zeros included).
    const revenue = await experiment(server, 'revenue', Array.from({ length: 240 }, (_, i) => {
      const id = `v${i}`;
      return { id, at: T0, converts: inHoldout('revenue', id, 50) ? i % 5 === 0 : i % 2 === 0 };
    }));

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Seoul' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // The 409 of the rule without a holdout is expected: the browser logs every refused request.
    page.on('console', (message) => { if (message.type() === 'error' && !/status of 409/.test(message.text())) pageErrors.push(message.text()); });

    await signInWithToken(page, server.url);
    pageErrors.length = 0; // the signed-out page's session check answers 401, as expected

    await t.test('/reports lists the rules with a holdout and what each report comes to', async () => {
      await page.getByRole('link', { name: 'Report' }).click();
      await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
      const list = page.getByTestId('report-list');
      await list.locator('tr[data-rule="winback"] .badge').filter({ hasText: 'Helped' }).waitFor();
      await list.locator('tr[data-rule="lopsided"] .badge').filter({ hasText: 'Groups out of balance' }).waitFor();
      await list.locator('tr[data-rule="fresh"] .badge').filter({ hasText: 'Too little data yet' }).waitFor();
      assert.equal(await list.locator('tr[data-rule="plain"]').count(), 0, 'a rule without a holdout is not listed');
      await page.getByText('1 other rule has no holdout').waitFor();
      await screenshot(page, 'report-list');
    });

    await t.test('the report shows the API\'s groups, the lift with its interval, the chart and the verdict in words', async () => {
      await page.getByRole('link', { name: 'Win back abandoned carts' }).click();
      await page.getByRole('heading', { name: 'Report: winback' }).waitFor();
      const verdict = page.locator('[data-testid="verdict"][data-state="helped"]');
      await verdict.waitFor();
      assert.equal(await verdict.getByRole('heading').textContent(), 'The rule helps: order_completed goes up');
      const c = winback.primary.comparison;
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '-' : ''}${Math.abs(x * 100).toFixed(1)}`;
      const sentence = await page.getByTestId('verdict-sentence').textContent();
      assert.equal(sentence, `${pct(c.groups.treatment.rate)} of the people who got the rule went on to order_completed, against ${pct(c.groups.control.rate)} of the held-out people: ${signed(c.lift.absolute.estimate)} points. The true effect most likely lies between ${signed(c.sequential.absolute.lower)} and ${signed(c.sequential.absolute.upper)} points.`);

      // The groups table says what the API says.
      const groups = page.getByTestId('groups');
      for (const [group, key] of [['control', 'control'], ['treatment', 'treatment']] as const) {
        const row = groups.locator(`tr[data-group="${group}"]`);
        assert.equal(await row.locator('[data-cell="exposures"]').textContent(), String(winback.matured[key]));
        assert.equal(await row.locator('[data-cell="converted"]').textContent(), String(c.groups[key].converters));
        assert.equal(await row.locator('[data-cell="level"]').textContent(), pct(c.groups[key].rate));
      }
      assert.equal(winback.matured.control + winback.matured.treatment, N);

      // The lift in points, both intervals, and the bar drawn around zero.
      assert.equal(await page.getByTestId('lift-estimate').textContent(), `${signed(c.lift.absolute.estimate)} points`);
      assert.equal(await page.getByTestId('lift-sequential').textContent(), `${signed(c.sequential.absolute.lower)} to ${signed(c.sequential.absolute.upper)} points`);
      assert.equal(await page.getByTestId('lift-fixed').textContent(), `${signed(c.lift.absolute.interval.lower)} to ${signed(c.lift.absolute.interval.upper)} points`);
      assert.ok(c.sequential.absolute.lower > 0 && c.sequential.absolute.lower < c.lift.absolute.interval.lower, 'the always-valid range is the wider one and excludes zero');
      await page.getByTestId('lift').locator('.interval-bar[data-tone="good"] svg[role="img"]').waitFor();

      // The cumulative chart: one point a day with a lift, the band, the zero line.
      const chart = page.getByTestId('lift-chart');
      const days = winback.over_time.filter((p: { lift: unknown }) => p.lift).length;
      assert.equal(days, 4);
      assert.equal(await chart.locator('circle.dot').count(), days);
      assert.equal(await chart.locator('path.band').count(), 1);
      assert.equal(await chart.locator('line.zero').count(), 1);
      assert.match(await chart.locator('svg').getAttribute('aria-label') ?? '', /^Cumulative lift over 4 days: now \+\d+\.\d points, always-valid range \+\d+\.\d to \+\d+\.\d\.$/);

      // What it means, for someone who never took a statistics class.
      const explainer = page.getByTestId('explainer');
      await explainer.getByText('If the rule did nothing, both groups would reach order_completed at about the same rate').waitFor();
      await explainer.getByText('It lies entirely above zero, so the rule very likely raises order_completed.').waitFor();
      await explainer.getByText('Looking every day is safe').waitFor();
      // Guardrails, each with its verdict.
      await page.getByTestId('guardrail-unsubscribed').locator('.badge').filter({ hasText: winback.guardrails[0].comparison.verdict === 'hurt' ? 'Hurt' : 'No clear change' }).waitFor();
      await page.getByTestId('computed').filter({ hasText: /^Computed / }).waitFor();
      await screenshot(page, 'report-helped');
    });

    await t.test('a period narrows the report to the people exposed then', async () => {
      const lastDay = winback.over_time[3].day as string;
      await page.getByLabel('Exposed from').fill(lastDay);
      await page.getByRole('button', { name: 'Show this period' }).click();
      const api = (await server.request('GET', `/v1/rules/winback/report?from=${lastDay}`)).body;
      assert.equal(api.matured.control + api.matured.treatment, N / 4);
      await page.getByTestId('groups').locator('tr[data-group="treatment"] [data-cell="exposures"]').filter({ hasText: new RegExp(`^${api.matured.treatment}$`) }).waitFor();
      assert.match(page.url(), new RegExp(`from=${lastDay}`));
      await page.getByRole('button', { name: 'Whole experiment' }).click();
      await page.getByTestId('groups').locator('tr[data-group="treatment"] [data-cell="exposures"]').filter({ hasText: new RegExp(`^${winback.matured.treatment}$`) }).waitFor();
    });

    await t.test('Korean shows the verdict in Korean, with points as %p', async () => {
      await page.getByTestId('language').selectOption('ko');
      const verdict = page.locator('[data-testid="verdict"][data-state="helped"]');
      await verdict.getByRole('heading', { name: '규칙이 효과가 있습니다: order_completed 증가' }).waitFor();
      assert.match(await page.getByTestId('verdict-sentence').textContent() ?? '', /^규칙을 적용받은 사람의 \d+\.\d%, 홀드아웃 그룹의 \d+\.\d%가 order_completed까지 이어졌습니다\. 차이는 \+\d+\.\d%p이며, 실제 효과는 \+\d+\.\d~\+\d+\.\d%p 사이일 가능성이 높습니다\.$/);
      await page.getByRole('heading', { name: '이 숫자는 무슨 뜻인가요?' }).waitFor();
      await page.getByTestId('groups').getByRole('columnheader', { name: '전환율' }).waitFor();
      await screenshot(page, 'report-korean');
      await page.getByTestId('language').selectOption('en');
      await page.getByRole('heading', { name: 'Report: winback' }).waitFor();
    });

    await t.test('a sample-ratio mismatch stops the verdict in red and says what to check', async () => {
      await page.goto(`${server.url}/reports/lopsided`);
      const verdict = page.locator('[data-testid="verdict"][data-state="srm"]');
      await verdict.getByRole('heading', { name: 'Do not trust these results: the groups are out of balance' }).waitFor();
      const srm = verdict.getByRole('alert');
      assert.match(await srm.textContent() ?? '', /^78\.9% of the people counted are in the holdout \(150 against 40 in the treatment\), where 50\.0% were expected \(p < 0\.0001\)\./);
      await srm.getByText('What to check:').waitFor();
      assert.equal(await page.getByTestId('verdict-sentence').count(), 0, 'no verdict sentence beside the mismatch');
      assert.equal(await page.getByTestId('lift-chart').isVisible(), false, 'the lift is out of sight unless asked for');
      await page.getByTestId('untrusted-lift').getByText('Show the lift anyway').click();
      await page.getByTestId('lift-chart').waitFor();
      assert.equal(await page.getByTestId('explainer').count(), 0);
      const colour = await verdict.evaluate((e) => getComputedStyle(e).borderTopColor);
      assert.equal(colour, 'rgb(185, 28, 28)', 'the panel is red');
      await screenshot(page, 'report-srm');
    });

    await t.test('no clear effect yet: what was seen, and how many more exposures (and days) a conclusion needs', async () => {
      await page.goto(`${server.url}/reports/even`);
      await page.locator('[data-testid="verdict"][data-state="inconclusive"]').getByRole('heading', { name: 'No clear effect on order_completed yet' }).waitFor();
      const c = even.primary.comparison;
      const total = even.matured.control + even.matured.treatment;
      const about = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2 });
      const more = c.power.sequential_exposures_needed - total;
      assert.ok(more > 0);
      // The pace so far: from the first day with exposures to the day the report was computed.
      const perDay = total / (Math.floor(Date.parse(even.as_of) / DAY) - Math.floor(T0 / DAY) + 1);
      assert.equal(await page.getByTestId('needed').textContent(),
        `About ${about.format(more)} more exposures are needed to detect an effect of +${(c.power.for_effect_absolute * 100).toFixed(1)} points. At the pace so far, about ${about.format(perDay)} a day, that is about ${Math.ceil(more / perDay)} more days.`);
      await page.getByTestId('explainer').getByText('It still includes zero, so the difference seen so far could be chance').waitFor();
      // The hurt guardrail is said in the verdict panel, not only in its own section further down.
      const g = even.guardrails[0].comparison;
      const alarm = page.getByTestId('verdict').getByRole('alert');
      assert.equal(await alarm.textContent(), `Guardrail unsubscribed was hurt: +${(g.lift.absolute.estimate * 100).toFixed(1)} points (most likely +${(g.sequential.absolute.lower * 100).toFixed(1)} to +${(g.sequential.absolute.upper * 100).toFixed(1)} points). Weigh this against the goal before keeping the rule on.`);
      await page.locator('[data-testid="guardrail-unsubscribed"][data-verdict="hurt"]').locator('.badge').filter({ hasText: 'Hurt' }).waitFor();
      await screenshot(page, 'report-inconclusive');
    });

    await t.test('a value goal: the mean per person in each group and the lift in the goal\'s units', async () => {
      await page.goto(`${server.url}/reports/revenue`);
      await page.getByTestId('verdict').waitFor();
      const c = revenue.primary.comparison;
      assert.equal(c.metric, 'value');
      const three = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });
      // Differences to the precision of the always-valid interval's larger end: both ends read alike.
      const ref = Math.max(Math.abs(c.sequential.absolute.lower), Math.abs(c.sequential.absolute.upper));
      const signed = new Intl.NumberFormat('en-US', { maximumFractionDigits: Math.max(0, 2 - Math.floor(Math.log10(ref))), signDisplay: 'exceptZero' });
      const groups = page.getByTestId('groups');
      await groups.getByRole('columnheader', { name: 'Mean per person' }).waitFor();
      assert.equal(await groups.getByRole('columnheader', { name: 'Converted' }).count(), 0);
      assert.equal(await groups.locator('tr[data-group="control"] [data-cell="level"]').textContent(), three.format(c.groups.control.mean));
      assert.equal(await groups.locator('tr[data-group="treatment"] [data-cell="level"]').textContent(), three.format(c.groups.treatment.mean));
      assert.equal(await page.getByTestId('lift-estimate').textContent(), signed.format(c.lift.absolute.estimate));
      assert.equal(await page.getByTestId('lift-sequential').textContent(), `${signed.format(c.sequential.absolute.lower)} to ${signed.format(c.sequential.absolute.upper)}`);
      assert.equal(await page.getByTestId('lift-fixed').textContent(), `${signed.format(c.lift.absolute.interval.lower)} to ${signed.format(c.lift.absolute.interval.upper)}`);
      await page.getByTestId('explainer').getByText(`both groups would average about the same order_completed per person`).waitFor();
      await page.getByTestId('guardrails').getByText('No guardrails: add one').waitFor();
      await screenshot(page, 'report-value');
    });

    await t.test('no holdout: how to add one, with the link to the editor; too little data: what is still needed', async () => {
      await page.goto(`${server.url}/reports/plain`);
      const empty = page.getByTestId('no-holdout');
      await empty.getByRole('heading', { name: 'This rule has no holdout group' }).waitFor();
      assert.equal(await empty.getByRole('link', { name: 'Add a holdout in the editor' }).getAttribute('href'), '/rules/plain');
      await empty.getByText('The server said: rule plain has no holdout group').waitFor();
      await page.goto(`${server.url}/reports/fresh`);
      await page.locator('[data-testid="verdict"][data-state="tooFew"]').getByRole('heading', { name: 'Too little data yet' }).waitFor();
      await page.getByTestId('too-few').getByText('Still needed: 100 more in the holdout and 100 more in the treatment.').waitFor();
      await page.getByTestId('lift-chart').getByText('The chart starts once each group has 2 people').waitFor();
      await page.goto(`${server.url}/reports/nope`);
      await page.getByRole('heading', { name: 'There is no rule "nope"' }).waitFor();
      // A period the server refuses: its message, how to fix it, and a retry.
      await page.goto(`${server.url}/reports/winback?from=2026-13-45`);
      const refused = page.getByRole('alert').filter({ hasText: 'from: must be a day like 2026-11-01' });
      await refused.getByText('Check the period: days are written like 2026-11-01').waitFor();
      await refused.getByRole('button', { name: 'Try again' }).waitFor();
      pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !/status of (404|400)/.test(e)));
    });

    await t.test('no serious or critical accessibility violation, no sideways scrolling, at 1280 px and 390 px', async () => {
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        for (const path of ['/reports', '/reports/winback', '/reports/lopsided', '/reports/plain', '/reports/fresh', '/reports/even']) {
          await page.goto(`${server.url}${path}`);
          if (path === '/reports') await page.getByTestId('report-list').locator('.badge').nth(3).waitFor();
          else if (path === '/reports/plain') await page.getByTestId('no-holdout').waitFor();
          else await page.getByTestId('verdict').waitFor();
          const violations = await seriousViolations(page);
          assert.equal(violations.length, 0, `${path} at ${width} px:\n${describeViolations(violations)}`);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 0, `${path} at ${width} px is ${overflow} px wider than the window`);
          if (width === 390 && path === '/reports/winback') await screenshot(page, 'report-390px');
        }
      }
    });

    await t.test('a viewer, signed in with a user name and password, reads the reports', async () => {
      const created = await server.request('POST', '/v1/users', { username: 'vera', password: 'viewer-password-1', role: 'viewer' });
      assert.equal(created.status, 201, created.text);
      const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
      try {
        const viewer = await viewerContext.newPage();
        await viewer.goto(`${server.url}/reports/winback`);
        await viewer.getByLabel('User name').fill('vera');
        await viewer.getByLabel('Password').fill('viewer-password-1');
        await viewer.getByRole('button', { name: 'Sign in', exact: true }).click();
        await viewer.locator('[data-testid="verdict"][data-state="helped"]').waitFor();
        await viewer.getByRole('link', { name: '← All reports' }).click();
        await viewer.getByTestId('report-list').locator('tr[data-rule="winback"] .badge').filter({ hasText: 'Helped' }).waitFor();
      } finally {
        await viewerContext.close();
      }
    });

    assert.deepEqual(pageErrors, [], 'no script error in the page');
    await context.close();
  } finally {
    await browser.close();
    await server.stop();
  }
});
