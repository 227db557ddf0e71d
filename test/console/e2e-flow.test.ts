// Issue 8's end-to-end flow, in one real headless Chromium against the real server and a receiver on loopback, as
// a marketer would go through it: sign in with a user name and password; build a threshold rule with a webhook in
// the form; test it on an event; backtest it over last week; save and enable it; send events through the API and
// watch them in the live tail; see the firing, its trace and the delivery; make the receiver fail and replay the
// dead delivery from the dead-letter list after its preview; open the rule's report; switch to Korean. A viewer
// cannot save a rule: the API answers 403 and the page says why. Every step saves a screenshot and is checked
// with axe-core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import type { Page } from 'playwright-core';
import { ADMIN_TOKEN, startTestServer } from '../support/server.ts';
import { startReceiver } from '../support/receiver.ts';
import { until } from '../support/until.ts';
import { dataDirWithLastWeek } from './last-week.ts';
import { inHoldout } from '../../src/engine/holdout/assignment.ts';
import { describeViolations, launch, screenshot, seriousViolations } from './browser.ts';

const RULE = 'big-buyers';
const HOLDOUT_PERCENT = 10;


/** Subjects in the rule's treatment group (the default salt is the rule id), so their firings act. */
function treated(prefix: string, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) if (!inHoldout(RULE, `${prefix}-${i}`, HOLDOUT_PERCENT)) out.push(`${prefix}-${i}`);
  return out;
}

let sequence = 0;
const purchases = (subject: string, totals: number[]) =>
  totals.map((total) => ({ id: `e2e-${process.pid}-${sequence++}`, type: 'purchase', subject, time: new Date().toISOString(), properties: { total } }));

async function checked(page: Page, name: string): Promise<void> {
  const violations = await seriousViolations(page);
  assert.equal(violations.length, 0, `${name}:\n${describeViolations(violations)}`);
  await screenshot(page, `flow-${name}`);
}

test('the console end to end: password sign-in, rule in the form, test, backtest, enable, live tail, firing, dead letter replay, report, Korean, viewer 403', { timeout: 300_000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const stored = await dataDirWithLastWeek();
  const server = await startTestServer({
    IFTHEN_DATA: dirname(stored.dbFile), IFTHEN_DELIVERY_MAX_ATTEMPTS: '2', IFTHEN_DELIVERY_BACKOFF_MS: '100', IFTHEN_DELIVERY_BACKOFF_MAX_MS: '200',
  });
  const receiver = await startReceiver();
  const [buyer, unlucky] = treated('e2e-buyer', 2);
  try {
    const made = await Promise.all([
      server.request('POST', '/v1/users', { username: 'mina', password: 'editor-password-1', role: 'editor' }),
      server.request('POST', '/v1/users', { username: 'vera', password: 'viewer-password-1', role: 'viewer' }),
    ]);
    for (const answer of made) assert.equal(answer.status, 201, answer.text);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Seoul' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // The editor's live check of a draft with a mistake answers 400 on purpose; anything else is a script error.
    page.on('console', (message) => { if (message.type() === 'error' && !/status of 400/.test(message.text())) pageErrors.push(`${message.text()} ${message.location().url}`); });
    page.on('dialog', (dialog) => void dialog.accept());
    const hook = `${receiver.url}/hook`;

    await t.test('an editor signs in with a user name and password', async () => {
      await page.goto(`${server.url}/`);
      await page.getByRole('heading', { name: 'Sign in to ifthen' }).waitFor();
      pageErrors.length = 0; // the page asked who is signed in and was answered 401, as expected
      await page.getByLabel('User name').fill('mina');
      await page.getByLabel('Password').fill('editor-password-1');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByTestId('who').filter({ hasText: 'Signed in as mina' }).waitFor();
      await checked(page, '1-signed-in');
    });

    await t.test('a threshold rule with a webhook and a holdout is built in the form', async () => {
      await page.getByRole('link', { name: 'Rules', exact: true }).click();
      await page.getByRole('link', { name: 'New rule' }).first().click();
      await page.getByRole('heading', { name: 'New rule' }).waitFor();
      await page.getByLabel('Rule id').fill(RULE);
      await page.getByLabel('Name', { exact: true }).fill('Big buyers');
      await page.getByLabel('Fires').selectOption('threshold');
      await page.getByLabel('Event type(s)').fill('purchase');
      assert.equal(await page.getByLabel('At least').inputValue(), '3');
      assert.equal(await page.getByLabel('Within', { exact: true }).inputValue(), '10m');
      await page.getByRole('button', { name: 'Add a condition' }).click();
      await page.getByLabel('Field 1').fill('event.properties.total');
      await page.getByLabel('Operator 1').selectOption('>=');
      await page.getByLabel('Value 1').fill('30');
      await page.getByTestId('condition-cel').filter({ hasText: 'event.properties.total >= 30' }).waitFor();
      await page.getByLabel('Webhook URL (action 1)').fill(hook);
      await page.getByLabel('Body (action 1)').fill('{"who": "{{ subject.id }}", "total": {{ event.properties.total }}}');
      await page.getByLabel('Keep a holdout group (they get no action, so the lift can be measured)').check();
      await page.getByLabel('Share held out (%)').fill(String(HOLDOUT_PERCENT));
      await page.getByRole('button', { name: 'Add a goal' }).click();
      await page.getByLabel('Goal 1: event type(s)').fill('order_completed');
      // The live Liquid preview renders on the newest stored purchase (dan's).
      await page.getByTestId('preview-1').filter({ hasText: '{"who": "dan", "total": 80}' }).waitFor({ timeout: 15_000 });
      await page.getByTestId('error-summary').waitFor({ state: 'detached', timeout: 10_000 });
      await checked(page, '2-rule-form');
    });

    await t.test('test on a recent event shows that it fires and why', async () => {
      await page.getByRole('tab', { name: 'Test on an event' }).click();
      await page.getByRole('button', { name: 'Run the test' }).click();
      const result = page.getByTestId('test-result');
      await result.getByRole('heading', { name: 'It fires' }).waitFor({ timeout: 15_000 });
      await result.getByText('✓ event.properties.total = 80 ≥ 30').waitFor();
      await checked(page, '3-test');
    });

    await t.test('backtest of the last 7 days: firings per day, as the API counts them', async () => {
      await page.getByRole('tab', { name: 'Backtest the last 7 days' }).click();
      await page.getByRole('button', { name: 'Run the backtest' }).click();
      const result = page.getByTestId('backtest-result');
      await result.waitFor({ timeout: 30_000 });
      assert.equal(await result.getByTestId('backtest-firings').textContent(), '3', 'ana, ben and dan (last-week.ts); cho bought too little');
      const perDay = (await result.getByTestId('backtest-days').locator('tbody tr td').allTextContents()).map(Number);
      assert.equal(perDay.filter((n) => n > 0).length, 3, 'three days with a firing');
      await checked(page, '4-backtest');
    });

    await t.test('saved switched off, then enabled after a confirmation with the estimate', async () => {
      await page.getByRole('button', { name: 'Save (switched off)' }).click();
      await page.getByRole('heading', { name: `Rule ${RULE}` }).waitFor();
      await page.getByRole('status').filter({ hasText: 'Saved as version 1.' }).waitFor();
      assert.equal((await server.request('GET', `/v1/rules/${RULE}`)).body.enabled, false);
      await page.getByRole('button', { name: 'Enable…' }).click();
      const dialog = page.getByRole('dialog', { name: `Enable ${RULE}?` });
      await dialog.getByTestId('estimate').filter({ hasText: /^About [\d.]+ firings a day/ }).waitFor({ timeout: 30_000 });
      await checked(page, '5-enable-confirmation');
      await dialog.getByRole('button', { name: 'Enable the rule' }).click();
      await page.getByTestId('state').filter({ hasText: 'Enabled' }).waitFor();
      assert.equal((await server.request('GET', `/v1/rules/${RULE}`)).body.enabled, true);
    });

    await t.test('events sent through the API show in the live tail and reach the receiver', async () => {
      await page.getByRole('link', { name: 'Events', exact: true }).click();
      await page.getByTestId('tail-status').filter({ hasText: 'Live' }).waitFor();
      const sent = await server.request('POST', '/v1/events', purchases(buyer, [35, 40, 50]));
      assert.equal(sent.status, 200, sent.text);
      await page.getByTestId('tail').getByRole('cell', { name: buyer, exact: true }).first().waitFor({ timeout: 15_000 });
      assert.equal(await page.getByTestId('tail').getByRole('cell', { name: buyer, exact: true }).count(), 3);
      await receiver.waitFor(1, 15_000);
      assert.deepEqual(JSON.parse(receiver.requests[0].body), { who: buyer, total: 50 });
      await checked(page, '6-live-tail');
    });

    await t.test('Runs: the firing, its trace in words, the delivery and its attempt', async () => {
      await page.getByRole('link', { name: 'Runs', exact: true }).click();
      await page.getByRole('link', { name: `Trace of ${RULE} for ${buyer}` }).click();
      await page.getByRole('heading', { name: `Firing of ${RULE} for ${buyer}` }).waitFor();
      const trace = page.getByTestId('trace');
      await trace.getByText('The event was purchase, which the rule listens for (purchase).').waitFor();
      await trace.getByText('The subject is in the treatment group, so the actions ran.').waitFor();
      await checked(page, '7-firing-trace');
      await page.getByTestId('firing-actions').getByText('Delivered').waitFor({ timeout: 15_000 });
      await page.getByTestId('firing-actions').getByRole('link', { name: /Delivery to/ }).click();
      await page.getByTestId('attempts').getByText('HTTP 200').waitFor();
      await checked(page, '8-delivery');
    });

    await t.test('the receiver fails: the delivery dies, and replay from the dead-letter list says what it will do, then delivers', async () => {
      const healthy = receiver.respond;
      receiver.respond = (_req, res) => { res.writeHead(500, { 'content-type': 'text/plain' }).end('down for maintenance'); };
      assert.equal((await server.request('POST', '/v1/events', purchases(unlucky, [31, 32, 33]))).status, 200);
      const dead = await until(async () => {
        const list = await server.request('GET', `/v1/deliveries?status=dead&subject=${unlucky}`);
        return list.body.items?.[0]?.id as string | undefined;
      }, 20_000);
      await page.getByRole('link', { name: 'Runs', exact: true }).click();
      await page.getByRole('link', { name: 'Dead letters' }).click();
      await page.getByTestId('dead').getByRole('cell', { name: 'HTTP 500', exact: false }).first().waitFor();
      await page.getByRole('checkbox', { name: `Choose ${dead}` }).check();
      await page.getByRole('button', { name: 'Replay 1 chosen' }).click();
      const preview = page.getByTestId('replay-preview');
      await preview.getByText('Sends 1 delivery again, to 1 destination:').waitFor();
      await preview.getByText(/same idempotency key/).waitFor();
      await checked(page, '9-replay-preview');
      assert.equal((await server.request('GET', `/v1/deliveries/${encodeURIComponent(dead)}`)).body.status, 'dead', 'the preview changed nothing');
      receiver.respond = healthy;
      await preview.getByRole('button', { name: 'Replay 1 delivery' }).click();
      await page.getByTestId('replay-result').filter({ hasText: 'Replayed 1 delivery' }).waitFor();
      await page.getByTestId('deliveries-empty').filter({ hasText: 'The dead-letter list is empty' }).waitFor({ timeout: 15_000 });
      await until(async () => ((await server.request('GET', `/v1/deliveries/${encodeURIComponent(dead)}`)).body.status === 'delivered' ? true : undefined), 15_000);
      assert.equal(receiver.requests.filter((r) => JSON.parse(r.body).who === unlucky).length, 3, 'two failed attempts, then the replay');
      await checked(page, '10-replayed');
    });

    await t.test('the rule\'s report opens from the Report page', async () => {
      assert.equal((await server.request('POST', '/v1/events', [{ id: `goal-${buyer}`, type: 'order_completed', subject: buyer, properties: {} }])).status, 200);
      await page.getByRole('link', { name: 'Report', exact: true }).click();
      await page.getByTestId('report-list').getByRole('link', { name: 'Big buyers' }).click();
      await page.getByRole('heading', { name: `Report: ${RULE}` }).waitFor();
      await page.getByTestId('verdict').waitFor({ timeout: 15_000 });
      await checked(page, '11-report');
    });

    await t.test('switching to Korean translates the page and is remembered', async () => {
      await page.getByTestId('language').selectOption('ko');
      await page.getByRole('heading', { name: `리포트: ${RULE}` }).waitFor();
      await page.getByRole('link', { name: '규칙', exact: true }).waitFor();
      await page.reload();
      await page.getByRole('heading', { name: `리포트: ${RULE}` }).waitFor();
      await checked(page, '12-korean');
      await page.getByTestId('language').selectOption('en');
    });

    await t.test('a viewer cannot save a rule: the API answers 403 and the page says why', async () => {
      const viewerContext = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
      try {
        const viewer = await viewerContext.newPage();
        viewer.on('pageerror', (error) => pageErrors.push(`viewer: ${error.message}`));
        viewer.on('dialog', (dialog) => void dialog.accept());
        await viewer.goto(`${server.url}/rules/${RULE}`);
        await viewer.getByLabel('User name').fill('vera');
        await viewer.getByLabel('Password').fill('viewer-password-1');
        await viewer.getByRole('button', { name: 'Sign in', exact: true }).click();
        await viewer.getByRole('heading', { name: `Rule ${RULE}` }).waitFor();
        await viewer.getByLabel('Name', { exact: true }).fill('Viewer was here');
        const refused = viewer.waitForResponse((r) => r.url().endsWith(`/v1/rules/${RULE}`) && r.request().method() === 'PUT');
        await viewer.getByRole('button', { name: 'Save', exact: true }).click();
        assert.equal((await refused).status(), 403);
        await viewer.getByTestId('save-error').filter({ hasText: 'Your role (viewer) cannot save rules' }).waitFor();
        assert.equal((await server.request('GET', `/v1/rules/${RULE}`)).body.document.name, 'Big buyers', 'nothing was saved');
        await checked(viewer, '13-viewer-403');
      } finally {
        await viewerContext.close();
      }
    });

    assert.deepEqual(pageErrors, [], 'no script error in the page');
    await context.close();
  } finally {
    await browser.close();
    await receiver.close();
    await server.stop();
    stored.remove();
  }
});
