// The rule editor's form covers the whole rule language: a sequence with a delay and an absence, every limit,
// a holdout with a goal and a guardrail, every action kind; then a change trigger and a sum threshold. Each
// reaches the document (YAML tab, then the saved rule) and the server finds nothing to fix; a wrong time zone is
// refused at its field. Axe at 1280 px and 390 px with every part open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestServer } from '../support/server.ts';
import { describeViolations, launch, screenshot, seriousViolations, signInWithToken } from './browser.ts';

async function noProblems(page: Page) {
  // The dry run answers half a second after the last edit; then the summary is gone (or never came).
  await page.waitForTimeout(1200);
  await page.getByTestId('error-summary').waitFor({ state: 'detached', timeout: 10_000 });
}

test('rule editor form: every trigger shape, limit, holdout, goal and action kind reaches the document', { timeout: 180_000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startTestServer();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error' && !/status of (400|401)/.test(message.text())) pageErrors.push(`${message.text()} ${message.location().url}`); });
    await signInWithToken(page, server.url);
    await page.goto(`${server.url}/rules/new`);
    await page.getByRole('heading', { name: 'New rule' }).waitFor();

    await t.test('a sequence with a delay and an absence, every limit, a holdout, a goal, a guardrail and every action kind', async () => {
      await page.getByLabel('Rule id').fill('onboarding');
      await page.getByLabel('Fires').selectOption('sequence');
      await page.getByLabel('Event type(s)', { exact: true }).fill('order_completed');
      await page.getByLabel('Step 1: event type(s)').fill('signed_up');
      await page.getByLabel('Step 1: within').fill('7d');
      await page.getByRole('button', { name: 'Add a step' }).click();
      await page.getByLabel('Step 2: event type(s)').fill('cart_updated');
      await page.getByLabel('Step 2: within').fill('1d');
      await page.getByLabel('Wait before acting (delay)').check();
      await page.getByLabel('Cancel if another event follows (absence)').check();
      await page.getByLabel('Cancelling event type(s)').fill('refund');
      for (const limit of ['At most so many firings per person', 'Share a cap with other rules (cap group)', 'Space deliveries to a rate', 'Quiet hours', 'Fire once per key (dedupe)']) {
        await page.getByLabel(limit).check();
      }
      const zone = page.getByLabel('Time zone', { exact: true });
      await zone.fill('Mars/Olympus');
      await page.getByTestId('error-summary').getByText('limits.quiet_hours.timezone').waitFor({ timeout: 10_000 });
      assert.equal(await zone.getAttribute('aria-invalid'), 'true');
      await zone.fill('Asia/Seoul');
      await page.getByLabel('Keep a holdout group (they get no action, so the lift can be measured)').check();
      const share = page.getByLabel('Share held out (%)');
      await share.fill('');
      await share.pressSequentially('2.5', { delay: 20 }); // typed key by key: "2." stays on the way to 2.5
      await page.getByRole('button', { name: 'Add a goal' }).click();
      await page.getByLabel('Goal 1: event type(s)').fill('order_completed');
      await page.getByLabel('Metric 1: value (CEL)').fill('event.properties.revenue');
      await page.getByRole('button', { name: 'Add a guardrail' }).click();
      await page.getByLabel('Guardrail 1: event type(s)').pressSequentially('unsubscribed, complained'); // typed key by key: the comma stays
      await page.getByLabel('Webhook URL (action 1)').fill('https://example.com/hook');
      // A Liquid mistake is reported at its field, by the server's own template parser.
      const body = page.getByLabel('Body (action 1)');
      const good = await body.inputValue();
      await body.fill('{"total": {{ event.properties.total | no_such_filter }}}');
      await page.getByTestId('error-summary').getByText(/then\[0\]\.webhook\.body: template does not parse/).waitFor({ timeout: 10_000 });
      assert.equal(await body.getAttribute('aria-invalid'), 'true');
      await body.fill(good);
      for (const kind of ['email', 'emit', 'set', 'log']) {
        await page.getByLabel('Kind of action to add').selectOption(kind);
        await page.getByRole('button', { name: 'Add the action' }).click();
      }
      await page.getByLabel('Header 1 name').waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Add a header' }).click();
      await page.getByLabel('Header 1 name').fill('Authorization');
      await page.getByLabel('Header 1 value').fill('Bearer {{ secrets.PUSH_TOKEN }}');
      await noProblems(page);
      await screenshot(page, 'editor-every-part');
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        const violations = await seriousViolations(page);
        assert.equal(violations.length, 0, `every part open at ${width} px:\n${describeViolations(violations)}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `every part open at ${width} px is ${overflow} px wider than the window`);
      }
      await page.setViewportSize({ width: 1280, height: 900 });

      await page.getByRole('tab', { name: 'YAML' }).click();
      const yaml = await page.getByLabel('The rule as YAML').inputValue();
      for (const part of ['after:', '- event: signed_up', 'within: 7d', '- event: cart_updated', 'unless:', 'event: refund', 'wait: 10m', 'per_subject:', 'group:', 'rate: 600/m',
        'quiet_hours:', 'timezone: Asia/Seoul', 'dedupe:', 'holdout:', 'percent: 2.5', 'goal:', 'value: event.properties.revenue', 'guardrails:', '- unsubscribed\n', '- complained\n',
        'Authorization: Bearer {{ secrets.PUSH_TOKEN }}', '- email:', '- emit:', '- set:', '- log:']) {
        assert.ok(yaml.includes(part), `YAML has ${part}:\n${yaml}`);
      }
      await page.getByRole('tab', { name: 'Form' }).click();
    });

    await t.test('saving keeps every part; a change trigger and then a sum threshold replace the sequence', async () => {
      await page.getByRole('button', { name: 'Save (switched off)' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved as version 1.' }).waitFor();
      const saved = (await server.request('GET', '/v1/rules/onboarding')).body.document;
      assert.deepEqual(saved.when.after, [{ event: 'signed_up', within: '7d' }, { event: 'cart_updated', within: '1d' }]);
      assert.deepEqual(saved.when.unless, { event: 'refund', within: '1h' });
      assert.deepEqual(saved.limits.quiet_hours, { from: '22:00', to: '08:00', timezone: 'Asia/Seoul', then: 'delay' });
      assert.deepEqual(saved.then.map((a: object) => Object.keys(a)[0]), ['webhook', 'email', 'emit', 'set', 'log']);
      assert.equal(saved.holdout.percent, 2.5);

      await page.getByLabel('Fires').selectOption('change');
      await page.getByLabel('Subject attribute').fill('plan');
      await page.getByLabel('From (empty: any value)').fill('pro');
      await noProblems(page);
      await page.getByRole('tab', { name: 'YAML' }).click();
      let yaml = await page.getByLabel('The rule as YAML').inputValue();
      assert.ok(/change:\n\s+attribute: plan\n\s+from: pro/.test(yaml), yaml);
      assert.ok(!yaml.includes('after:'), 'the sequence is gone');
      await page.getByRole('tab', { name: 'Form' }).click();

      await page.getByLabel('Fires').selectOption('threshold');
      await page.getByLabel('Measure', { exact: true }).selectOption('sum');
      await page.getByLabel('Value to add up or count (CEL)').fill('event.properties.total');
      await page.getByLabel('At least').fill('100');
      await noProblems(page);
      await page.getByRole('tab', { name: 'YAML' }).click();
      yaml = await page.getByLabel('The rule as YAML').inputValue();
      assert.ok(/sum:\n\s+of: event.properties.total\n\s+at_least: 100\n\s+within: 10m/.test(yaml), `the sum keeps the window: ${yaml}`);
      assert.ok(!yaml.includes('unless:') && !yaml.includes('change:'), 'a threshold drops the absence and the change');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Saved as version 2.' }).waitFor();
      const after = (await server.request('GET', '/v1/rules/onboarding')).body.document;
      assert.deepEqual(after.when.sum, { of: 'event.properties.total', at_least: 100, within: '10m' });
    });

    await t.test('a rule saved as YAML with comments shows them in the YAML tab, and a save from there keeps them', async () => {
      const source = 'id: commented\n# Why: the team asked for a nudge after signup\nwhen:\n  event: signed_up\nthen:\n  - log:\n      message: hello {{ subject.id }} # greeting\n';
      assert.equal((await server.request('PUT', '/v1/rules/commented', source)).status, 201);
      await page.goto(`${server.url}/rules/commented`);
      await page.getByRole('heading', { name: 'Rule commented' }).waitFor();
      await page.getByRole('tab', { name: 'YAML' }).click();
      const yaml = page.getByLabel('The rule as YAML');
      assert.equal(await yaml.inputValue(), source);
      await yaml.fill(source.replace('event: signed_up', 'event: account_created'));
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Saved as version 2.' }).waitFor();
      const saved = await server.request('GET', '/v1/rules/commented');
      assert.equal(saved.body.document.when.event, 'account_created');
      assert.match(saved.body.source, /# Why: the team asked for a nudge after signup/);
      assert.match(await yaml.inputValue(), /# greeting/);
    });

    assert.deepEqual(pageErrors, [], 'no script error in the page');
    await context.close();
  } finally {
    await browser.close();
    await server.stop();
  }
});
