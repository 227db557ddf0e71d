// The rule editor in a real headless Chromium against the real server and a receiver on loopback: a threshold rule
// built in the form (a condition row, a webhook with a Liquid body and its live preview), the same document in
// YAML both ways, a wrong URL refused at its field, a test on a recent event with its trace, a backtest over last
// week's stored events (per day), save, enable with the estimate, events reaching the receiver, versions with a
// diff and a roll back, a viewer's save refused with the server's reason, and axe at 1280 px and 390 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import type { Page } from 'playwright-core';
import { startTestServer } from '../support/server.ts';
import { startReceiver } from '../support/receiver.ts';
import { dataDirWithLastWeek } from './last-week.ts';
import { describeViolations, launch, screenshot, seriousViolations, signInWithToken } from './browser.ts';

const DAY = 86_400_000;



async function checkPage(page: Page, what: string) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(100);
    const violations = await seriousViolations(page);
    assert.equal(violations.length, 0, `${what} at ${width} px:\n${describeViolations(violations)}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${what} at ${width} px is ${overflow} px wider than the window`);
    if (width === 390) await screenshot(page, `editor-${what}-390px`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

test('rule editor in Chromium: build, YAML, validation, test, backtest, save, enable, deliver, versions, viewer', { timeout: 240_000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const stored = await dataDirWithLastWeek();
  const server = await startTestServer({ IFTHEN_DATA: dirname(stored.dbFile) });
  const receiver = await startReceiver();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Seoul' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // Refusals the page asks for on purpose (a dry run of a wrong rule answers 400) are logged by the browser as
    // failed loads; anything else is a script error.
    page.on('console', (message) => { if (message.type() === 'error' && !/status of 400/.test(message.text())) pageErrors.push(`${message.text()} ${message.location().url}`); });
    let leaveAnswer = true;
    page.on('dialog', (dialog) => void (leaveAnswer ? dialog.accept() : dialog.dismiss()));
    await signInWithToken(page, server.url);
    pageErrors.length = 0; // before signing in, the page asks who is signed in and is answered 401, as expected
    const hook = `${receiver.url}/hook`;

    await t.test('a threshold rule is built in the form: a condition row written as CEL, a webhook with a live Liquid preview', async () => {
      await page.goto(`${server.url}/rules/new`);
      await page.getByRole('heading', { name: 'New rule' }).waitFor();
      await checkPage(page, 'new');
      await page.getByLabel('Rule id').fill('big-buyers');
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
      await page.getByTestId('condition-sentence').filter({ hasText: 'Only when total is at least 30.' }).waitFor();
      await page.getByLabel('Webhook URL (action 1)').fill(hook);
      await page.getByLabel('Body (action 1)').fill('{"who": "{{ subject.id }}", "total": {{ event.properties.total }}}');
      // The preview renders on the newest stored purchase (dan's, total 80) through the server.
      await page.getByTestId('preview-1').filter({ hasText: '{"who": "dan", "total": 80}' }).waitFor({ timeout: 15_000 });
      await page.getByTestId('preview-1').filter({ hasText: `POST ${hook}` }).waitFor();
      await screenshot(page, 'editor-form');
    });

    await t.test('a wrong URL is refused at its field and in the summary, which links to it', async () => {
      const url = page.getByLabel('Webhook URL (action 1)');
      await url.fill('ftp://example.com/x');
      const summary = page.getByTestId('error-summary');
      await summary.getByRole('link', { name: /then\[0\]\.webhook\.url: must be https or http URL/ }).waitFor({ timeout: 10_000 });
      assert.equal(await url.getAttribute('aria-invalid'), 'true');
      const describedBy = (await url.getAttribute('aria-describedby')) ?? '';
      const messages = await Promise.all(describedBy.split(' ').map((id) => page.locator(`[id="${id}"]`).textContent()));
      assert.ok(messages.some((m) => m?.includes('must be https or http URL')), `the message is read with the field: ${messages.join(' | ')}`);
      await screenshot(page, 'editor-url-error');
      await summary.getByRole('link').first().click();
      assert.equal(await page.evaluate(() => document.activeElement?.id), await url.getAttribute('id'), 'the summary link moves focus to the field');
      await url.fill(hook);
      await summary.waitFor({ state: 'detached', timeout: 10_000 });
    });

    await t.test('the YAML tab shows the same document; an edit there shows in the form; a parse error says where', async () => {
      await page.getByRole('tab', { name: 'YAML' }).click();
      const yaml = page.getByLabel('The rule as YAML');
      const text = await yaml.inputValue();
      for (const part of ['id: big-buyers', 'event: purchase', 'where: event.properties.total >= 30', 'at_least: 3', 'within: 10m', `url: ${hook}`]) assert.ok(text.includes(part), `YAML has ${part}:\n${text}`);
      await yaml.fill(text.replace('at_least: 3', 'at_least: 4').replace('name: Big buyers', 'name: Big buyers # who buy a lot'));
      await page.getByRole('tab', { name: 'Form' }).click();
      assert.equal(await page.getByLabel('At least').inputValue(), '4');
      assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Big buyers');
      await page.getByRole('tab', { name: 'YAML' }).click();
      const good = await yaml.inputValue();
      await yaml.fill(`${good}\nwhen: [`);
      await page.getByRole('alert').filter({ hasText: /Line \d+, column \d+/ }).waitFor();
      assert.ok((await yaml.inputValue()).endsWith('when: ['), 'the broken text is kept as typed');
      await yaml.fill(good);
      // Keyboard: the tabs are a tablist; arrows move between them.
      await page.getByRole('tab', { name: 'YAML' }).focus();
      await page.keyboard.press('ArrowLeft');
      assert.equal(await page.getByRole('tab', { name: 'Form' }).getAttribute('aria-selected'), 'true');
      await page.getByLabel('At least').fill('3');
    });

    await t.test('a condition rows cannot express opens as raw CEL with its text kept; simple CEL reads back into rows', async () => {
      await page.getByRole('tab', { name: 'YAML' }).click();
      const yaml = page.getByLabel('The rule as YAML');
      const good = await yaml.inputValue();
      await yaml.fill(good.replace('where: event.properties.total >= 30', 'where: event.properties.total >= 30 && (subject.vip == true || size(event.properties.sku) > 2)'));
      await page.getByRole('tab', { name: 'Form' }).click();
      const cel = page.getByLabel('Condition (CEL)');
      assert.equal(await cel.inputValue(), 'event.properties.total >= 30 && (subject.vip == true || size(event.properties.sku) > 2)');
      await page.getByRole('button', { name: 'Edit as rows' }).click();
      await page.getByRole('status').filter({ hasText: 'cannot be shown as rows' }).waitFor();
      await cel.fill('event.properties.total >= 30');
      await page.getByRole('button', { name: 'Edit as rows' }).click();
      assert.equal(await page.getByLabel('Field 1').inputValue(), 'event.properties.total');
      assert.equal(await page.getByLabel('Value 1').inputValue(), '30');
    });

    await t.test('test on a recent event shows fired, each check with its value, the window and what the webhook would send', async () => {
      await page.getByRole('tab', { name: 'Test on an event' }).click();
      await page.getByLabel('Event', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Run the test' }).click();
      const result = page.getByTestId('test-result');
      await result.getByRole('heading', { name: 'It fires' }).waitFor({ timeout: 15_000 });
      await result.getByText('✓ event.properties.total = 80 ≥ 30').waitFor();
      await result.getByText(`POST ${hook}`, { exact: false }).first().waitFor();
      await result.getByText('{"who": "dan", "total": 80}', { exact: false }).first().waitFor();
      await screenshot(page, 'editor-test');
      // A pasted small purchase does not pass the condition, and says so with the value it saw.
      await page.getByLabel('Paste an event (JSON)').check();
      await page.getByLabel('Event as JSON').fill('{"type": "purchase", "subject": "eve", "properties": {"total": 12}}');
      await page.getByRole('button', { name: 'Run the test' }).click();
      await result.getByRole('heading', { name: 'It does not fire' }).waitFor({ timeout: 15_000 });
      await result.getByText('event.properties.total = 12', { exact: false }).first().waitFor();
      // The check that failed shows on its condition row, with the value it saw.
      await page.getByRole('tab', { name: 'Form' }).click();
      await page.getByTestId('seen-1').filter({ hasText: /Last test: ✗ event\.properties\.total = 12/ }).waitFor();
      await screenshot(page, 'editor-row-failed');
    });

    await t.test('backtest the last 7 days shows the range covered and firings per day, as the API counts them', async () => {
      await page.getByRole('tab', { name: 'Backtest the last 7 days' }).click();
      await page.getByRole('button', { name: 'Run the backtest' }).click();
      const result = page.getByTestId('backtest-result');
      await result.waitFor({ timeout: 30_000 });
      const now = Date.now();
      const api = await server.request('POST', `/v1/rules/backtest?from=${new Date(now - 7 * DAY).toISOString()}&to=${new Date(now).toISOString()}`, {
        id: 'big-buyers', when: { event: 'purchase', where: 'event.properties.total >= 30', count: { at_least: 3, within: '10m' } }, then: [{ webhook: { url: hook } }],
      });
      assert.equal(api.status, 200, api.text);
      assert.equal(api.body.firings, 3, 'ana, ben and dan, one day each');
      assert.equal(await result.getByTestId('backtest-firings').textContent(), '3');
      await result.getByText(/^Covered .* 12 events replayed\.$/).waitFor();
      const counts = await result.getByTestId('backtest-days').locator('tbody tr td').allTextContents();
      assert.deepEqual(counts.map(Number), api.body.perDay.map((d: { firings: number }) => d.firings), 'one row a day, with its firings');
      assert.equal(counts.filter((c) => c !== '0').length, 3);
      await screenshot(page, 'editor-backtest');
      await checkPage(page, 'backtest');
    });

    await t.test('save creates the rule switched off; enable confirms with the estimate from last week; events reach the receiver', async () => {
      await page.getByRole('button', { name: 'Save (switched off)' }).click();
      await page.getByRole('heading', { name: 'Rule big-buyers' }).waitFor();
      await page.getByRole('status').filter({ hasText: 'Saved as version 1.' }).waitFor();
      assert.equal(await page.getByTestId('state').textContent(), 'Disabled');
      const saved = await server.request('GET', '/v1/rules/big-buyers');
      assert.equal(saved.body.enabled, false);
      assert.equal(saved.body.document.when.where, 'event.properties.total >= 30');
      await checkPage(page, 'saved');
      await page.getByRole('button', { name: 'Enable…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Enable big-buyers?' });
      await dialog.getByTestId('estimate').filter({ hasText: /^About [\d.]+ firings a day \([\d.]+ messages\), judging by the events from .+ to .+\.$/ }).waitFor({ timeout: 30_000 });
      await screenshot(page, 'editor-enable');
      await dialog.getByRole('button', { name: 'Enable the rule' }).click();
      await page.getByTestId('state').filter({ hasText: 'Enabled' }).waitFor();
      const sent = await server.request('POST', '/v1/events', [0, 1, 2].map((i) => ({ id: `live-${i}`, type: 'purchase', subject: 'live-1', properties: { total: 35 + i } })));
      assert.equal(sent.status, 200, sent.text);
      await receiver.waitFor(1, 15_000);
      assert.deepEqual(JSON.parse(receiver.requests[0].body), { who: 'live-1', total: 37 });
    });

    await t.test('unsaved changes: leaving asks first; versions compare with the current one and roll back after a confirmation', async () => {
      await page.getByRole('tab', { name: 'Form' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Big buyers, renamed');
      leaveAnswer = false;
      await page.getByRole('link', { name: '← All rules' }).click();
      await page.waitForTimeout(200);
      assert.ok(page.url().endsWith('/rules/big-buyers'), 'a dismissed question keeps the page');
      leaveAnswer = true;
      // A reload (or the back button) loses nothing: the tab kept the draft and offers it back.
      await page.reload();
      await page.getByRole('region', { name: 'Unsaved draft' }).getByRole('button', { name: 'Restore my changes' }).click();
      assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Big buyers, renamed');
      await page.getByRole('tab', { name: 'Versions' }).click();
      await page.getByTestId('draft-diff').locator('ins').filter({ hasText: '+ name: Big buyers, renamed' }).waitFor();
      await page.keyboard.press('Control+s');
      await page.getByRole('status').filter({ hasText: 'Saved as version 2.' }).waitFor();
      await page.getByTestId('draft-diff').waitFor({ state: 'detached' });
      await page.getByTestId('versions').getByRole('rowheader', { name: 'Version 2 · current' }).waitFor();
      await page.getByRole('button', { name: 'Compare version 1 with the current one' }).click();
      const diff = page.getByTestId('diff');
      await diff.locator('del').filter({ hasText: '- name: Big buyers' }).waitFor();
      await diff.locator('ins').filter({ hasText: '+ name: Big buyers, renamed' }).waitFor();
      await screenshot(page, 'editor-versions');
      await checkPage(page, 'versions');
      await page.getByRole('button', { name: 'Roll back to version 1…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Roll back to version 1?' });
      await dialog.getByText('saved again as version 3').waitFor();
      await dialog.getByRole('button', { name: 'Roll back to version 1' }).click();
      await page.getByRole('status').filter({ hasText: 'Rolled back: saved as version 3.' }).waitFor();
      const rule = await server.request('GET', '/v1/rules/big-buyers');
      assert.equal(rule.body.version, 3);
      assert.equal(rule.body.document.name, 'Big buyers');
      assert.equal(rule.body.enabled, true, 'rolling back keeps the rule on');
      await page.getByRole('tab', { name: 'Form' }).click();
      assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Big buyers');
    });

    await t.test('a viewer opens the rule, can test it, and Save shows the server refusal at the button', async () => {
      const created = await server.request('POST', '/v1/users', { username: 'vera', password: 'viewer-password-1', role: 'viewer' });
      assert.equal(created.status, 201, created.text);
      const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
      const viewer = await viewerContext.newPage();
      viewer.on('pageerror', (error) => pageErrors.push(`viewer: ${error.message}`));
      viewer.on('dialog', (dialog) => void dialog.accept());
      await viewer.goto(`${server.url}/`);
      await viewer.getByLabel('User name').fill('vera');
      await viewer.getByLabel('Password').fill('viewer-password-1');
      await viewer.getByRole('button', { name: 'Sign in', exact: true }).click();
      await viewer.getByTestId('who').filter({ hasText: 'vera' }).waitFor();
      await viewer.goto(`${server.url}/rules/big-buyers`);
      await viewer.getByRole('heading', { name: 'Rule big-buyers' }).waitFor();
      await viewer.getByLabel('Name', { exact: true }).fill('Viewer was here');
      await viewer.getByRole('button', { name: 'Save', exact: true }).click();
      const refusal = viewer.getByTestId('save-error');
      await refusal.filter({ hasText: 'Your role (viewer) cannot save rules' }).waitFor();
      assert.equal(await viewer.getByRole('button', { name: 'Save', exact: true }).getAttribute('aria-describedby'), 'save-error');
      assert.equal((await server.request('GET', '/v1/rules/big-buyers')).body.document.name, 'Big buyers', 'nothing was saved');
      await screenshot(viewer, 'editor-viewer-403');
      await viewer.getByRole('tab', { name: 'Test on an event' }).click();
      await viewer.getByRole('button', { name: 'Run the test' }).click();
      await viewer.getByTestId('test-result').or(viewer.getByRole('alert')).first().waitFor({ timeout: 15_000 });
      await screenshot(viewer, 'editor-viewer-test');
      await viewer.getByTestId('test-result').getByRole('heading', { name: 'It fires' }).waitFor({ timeout: 15_000 });
      await viewerContext.close();
    });

    await t.test('the editor speaks Korean, with Korean number and date formats', async () => {
      await page.getByTestId('language').selectOption('ko');
      await page.getByRole('heading', { name: '규칙 big-buyers' }).waitFor();
      await page.getByRole('tab', { name: '양식' }).waitFor();
      assert.match(await page.getByText(/^버전 3, .* 저장$/).textContent() ?? '', /\d{4}\. \d{1,2}\. \d{1,2}\./);
      await page.getByTestId('condition-sentence').filter({ hasText: 'total 값이 30 이상일 때만 실행합니다.' }).waitFor();
      await screenshot(page, 'editor-korean');
      await page.getByTestId('language').selectOption('en');
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
