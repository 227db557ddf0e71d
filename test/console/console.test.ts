// The console end to end in a real headless Chromium against the real server: sign in with the admin token, the
// Overview's live numbers, the live tail with a filter, a test event sent from the page, Korean, accessibility.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ADMIN_TOKEN, startTestServer, type InProcessServer } from '../support/server.ts';
import { startReceiver } from '../support/receiver.ts';
import { describeViolations, launch, screenshot, seriousViolations } from './browser.ts';

let sequence = 0;
const events = (list: Array<{ type: string; subject: string; properties?: Record<string, unknown> }>) =>
  list.map((e) => ({ id: `c-${process.pid}-${sequence++}`, time: new Date().toISOString(), properties: {}, ...e }));

test('console in Chromium: sign in, Overview, live tail, test event, Korean, accessibility', { timeout: 180_000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startTestServer();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Seoul' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(message.text()); });

    await t.test('a wrong token is refused with how to fix it; the admin token signs in', async () => {
      await page.goto(`${server.url}/`);
      await page.getByRole('heading', { name: 'Sign in to ifthen' }).waitFor();
      await page.getByRole('button', { name: 'Use an API token instead' }).click();
      await page.getByTestId('token').fill('not-the-token');
      await page.getByRole('button', { name: 'Use this token' }).click();
      await page.getByRole('alert').filter({ hasText: 'IFTHEN_ADMIN_TOKEN' }).waitFor();
      pageErrors.length = 0; // the refused token's 401 is logged by the browser, as expected
      await page.getByTestId('token').fill(ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Use this token' }).click();
      await page.getByTestId('who').filter({ hasText: 'Signed in as API token' }).waitFor();
      await screenshot(page, 'signed-in');
    });

    await t.test('Overview shows live numbers after events are sent through the API', async () => {
      await page.goto(`${server.url}/`);
      await page.getByTestId('health-panel').and(page.locator('[data-healthy="true"]')).waitFor();
      const sent = await server.request('POST', '/v1/events', events([
        { type: 'order', subject: 'ov-1', properties: { total: 1 } }, { type: 'order', subject: 'ov-2', properties: { total: 2 } }, { type: 'order', subject: 'ov-3', properties: { total: 3 } },
      ]));
      assert.equal(sent.status, 200, sent.text);
      // The page refreshes every 5 s: the totals and the rate change without a reload.
      await page.getByTestId('stat-events').locator('xpath=..').filter({ hasText: '3 events received' }).waitFor({ timeout: 15_000 });
      const rate = await page.getByTestId('stat-events').textContent();
      assert.match(rate ?? '', /^[0-9.]+\/s$/);
      assert.notEqual(rate, '0/s', 'the events-per-second rate counts the events just sent');
      await screenshot(page, 'overview');
    });

    await t.test('the live tail shows events sent through the API, filtered by type and property', async () => {
      await page.getByRole('link', { name: 'Events' }).click();
      await page.getByRole('heading', { name: 'Live tail' }).waitFor();
      const filters = page.getByTestId('tail-filters');
      await filters.getByLabel('Type').fill('purchase');
      await filters.getByLabel('Property').fill('plan=pro');
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByTestId('tail-status').filter({ hasText: 'Live' }).waitFor();
      await server.request('POST', '/v1/events', events([
        { type: 'purchase', subject: 'tail-pro', properties: { plan: 'pro' } },
        { type: 'purchase', subject: 'tail-free', properties: { plan: 'free' } },
        { type: 'signup', subject: 'tail-other-type', properties: { plan: 'pro' } },
      ]));
      const tail = page.getByTestId('tail');
      await tail.getByRole('cell', { name: 'tail-pro', exact: true }).waitFor();
      await page.waitForTimeout(600); // one more poll and flush: nothing else may arrive
      assert.equal(await tail.getByRole('cell', { name: 'tail-free' }).count(), 0);
      assert.equal(await tail.getByRole('cell', { name: 'tail-other-type' }).count(), 0);
      await screenshot(page, 'live-tail');
    });

    await t.test('a test event sent from the page is stored, shows in the tail and in the catalogue', async () => {
      const filters = page.getByTestId('tail-filters');
      await filters.getByLabel('Type').fill('');
      await filters.getByLabel('Property').fill('');
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByTestId('tail-status').filter({ hasText: 'Live' }).waitFor();
      const form = page.getByTestId('send-form');
      await form.getByLabel('Type').fill('console_check');
      await form.getByLabel('Subject').fill('from-the-page');
      await form.getByLabel('Properties (JSON)').fill('{"plan": "team", "seats": 12}');
      await form.getByRole('button', { name: 'Send' }).click();
      await page.getByTestId('send-result').filter({ hasText: 'Sent: accepted.' }).waitFor();
      await page.getByTestId('tail').getByRole('cell', { name: 'from-the-page', exact: true }).waitFor();
      const stored = await server.request('GET', '/v1/events?subject=from-the-page');
      assert.deepEqual(stored.body.items.map((e: { type: string; properties: unknown }) => [e.type, e.properties]), [['console_check', { plan: 'team', seats: 12 }]]);
      await page.getByTestId('catalogue').getByText('console_check').waitFor();
      // Bad JSON is refused at the field with what to write instead, and nothing is sent.
      await form.getByLabel('Properties (JSON)').fill('{plan: team}');
      await form.getByRole('button', { name: 'Send' }).click();
      await page.getByTestId('send-result').filter({ hasText: 'Properties must be a JSON object' }).waitFor();
      await screenshot(page, 'send-test-event');
    });

    await t.test('switching to Korean changes the text and the number and time formats, and is remembered', async () => {
      const englishTime = await page.getByTestId('tail').locator('tbody tr td').first().textContent();
      assert.match(englishTime ?? '', /AM|PM/);
      await page.getByTestId('language').selectOption('ko');
      await page.getByRole('link', { name: '이벤트' }).waitFor();
      const koreanTime = await page.getByTestId('tail').locator('tbody tr td').first().textContent();
      assert.match(koreanTime ?? '', /오전|오후/);
      await page.getByRole('link', { name: '개요' }).click();
      await page.getByRole('heading', { name: '개요' }).waitFor();
      await page.getByTestId('stat-events').filter({ hasText: /^초당 / }).waitFor();
      await page.reload();
      await page.getByRole('heading', { name: '개요' }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'ko');
      await screenshot(page, 'korean');
      await page.getByTestId('language').selectOption('en');
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
    });

    await t.test('a dead delivery turns the Overview red and says what to do', async () => {
      const receiver = await startReceiver();
      try {
        receiver.respond = (_req, res) => { res.writeHead(400, { 'content-type': 'text/plain' }).end('missing field'); };
        const rule = { id: 'console-dead', when: { event: 'refund' }, then: [{ webhook: { url: `${receiver.url}/hook`, body: { id: '{{ event.id }}' } } }] };
        assert.equal((await server.request('PUT', '/v1/rules/console-dead', rule)).status, 201);
        await server.request('POST', '/v1/events', events([{ type: 'refund', subject: 'dead-1' }]));
        await receiver.waitFor(1);
        await page.goto(`${server.url}/`);
        const panel = page.locator('[data-testid="health-panel"][data-healthy="false"]');
        await panel.waitFor({ timeout: 15_000 });
        await panel.waitFor({ timeout: 15_000 });
        assert.match(await panel.textContent() ?? '', /1 delivery is dead: its destination kept failing\./);
        await panel.getByText('ifthen dlq replay', { exact: false }).waitFor();
        await page.getByTestId('stat-dead').filter({ hasText: '1' }).waitFor();
        await page.getByRole('cell', { name: 'webhook' }).waitFor();
        await screenshot(page, 'overview-red');
        await panel.getByRole('link', { name: 'Open the dead letters' }).click();
        await page.getByTestId('dead').getByRole('cell', { name: 'console-dead', exact: false }).first().waitFor();
      } finally {
        await receiver.close();
      }
    });

    await t.test('no serious or critical accessibility violation on any page, at 1280 px and 390 px', async () => {
      const pages = ['/', '/events', '/rules', '/runs', '/subjects', '/reports', '/users'];
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        for (const path of pages) {
          await page.goto(`${server.url}${path}`);
          await page.locator('h1').first().waitFor();
          if (path === '/') await page.locator('[data-healthy="false"]').waitFor(); // the red state, after the dead delivery
          if (path === '/events') await page.getByTestId('catalogue').waitFor();
          const violations = await seriousViolations(page);
          assert.equal(violations.length, 0, `${path} at ${width} px:\n${describeViolations(violations)}`);
          // Readable at this width: nothing wider than the window, so no sideways scrolling of the page.
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 0, `${path} at ${width} px is ${overflow} px wider than the window`);
          if (width === 390 && (path === '/' || path === '/events')) await screenshot(page, `${path === '/' ? 'overview' : 'events'}-390px`);
        }
      }
      // The sign-in page too.
      const signedOut = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const fresh = await signedOut.newPage();
      await fresh.goto(`${server.url}/`);
      await fresh.getByRole('heading', { name: 'Sign in to ifthen' }).waitFor();
      assert.deepEqual(describeViolations(await seriousViolations(fresh)), '');
      await signedOut.close();
    });

    await t.test('keyboard: the skip link is the first stop and moves focus to the page', async () => {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${server.url}/events`);
      await page.getByRole('heading', { name: 'Events' }).waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => location.hash), '#main');
    });

    assert.deepEqual(pageErrors, [], 'no script error in the page');
    await context.close();
  } finally {
    await browser.close();
    await server.stop();
  }
});

