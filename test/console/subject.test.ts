// The subject page in a real headless Chromium against the real server: a subject's profile, its timeline of
// events and firings (an event opens to its properties, a firing links to its trace), and "why not?" for a rule
// whose condition was false, which shows the values it saw. Accessibility and 390 px on each view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestServer } from '../support/server.ts';
import { until } from '../support/until.ts';
import { describeViolations, launch, screenshot, seriousViolations, signInWithToken } from './browser.ts';

let sequence = 0;
const event = (type: string, subject: string, properties: Record<string, unknown>) => ({ id: `subj-${process.pid}-${sequence++}`, type, subject, properties });

async function checkPage(page: Page, label: string) {
  const violations = await seriousViolations(page);
  assert.equal(violations.length, 0, `${label}:\n${describeViolations(violations)}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${label}: the page scrolls sideways by ${overflow} px`);
}

test('subject in Chromium: profile, timeline of events and firings, why not with the values seen', { timeout: 180_000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startTestServer();
  try {
    // One rule fires on big carts (log action: nothing to deliver), the other never does for this subject.
    const big = { id: 'big-cart', when: { event: 'cart_updated', where: 'event.properties.total >= 30' }, then: [{ log: { message: 'big cart' } }] };
    const huge = { id: 'huge-cart', when: { event: 'cart_updated', where: 'event.properties.total >= 1000' }, then: [{ log: { message: 'huge cart' } }] };
    for (const rule of [big, huge]) assert.equal((await server.request('PUT', `/v1/rules/${rule.id}`, rule)).status, 201, rule.id);
    const sent = await server.request('POST', '/v1/identify', { userId: 'ada', traits: { plan: 'pro', country: 'KR' } });
    assert.ok(sent.status < 300, sent.text);
    assert.equal((await server.request('POST', '/v1/events', [event('cart_updated', 'ada', { total: 12 }), event('cart_updated', 'ada', { total: 45 })])).status, 200);
    await until(async () => ((await server.request('GET', '/v1/firings?subject=ada')).body.items.length === 1 ? true : undefined));

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Seoul' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(message.text()); });
    await signInWithToken(page, server.url);
    pageErrors.length = 0; // the signed-out check before the token is given answers 401, as expected

    await t.test('a subject is found by id; its profile and its timeline of events and firings show', async () => {
      await page.getByRole('link', { name: 'Subject' }).click();
      await page.getByRole('link', { name: 'ada' }).waitFor();
      await screenshot(page, 'subject-find');
      await page.getByLabel('Subject id').fill('ada');
      await page.getByRole('button', { name: 'Open' }).click();
      await page.getByRole('heading', { name: 'Subject ada' }).waitFor();
      const profile = page.getByTestId('profile');
      await profile.getByRole('cell', { name: '"pro"' }).waitFor();
      const timeline = page.getByTestId('timeline');
      await timeline.getByText('Rule big-cart (v1) fired').waitFor();
      assert.equal(await timeline.getByText('Event cart_updated').count(), 2);
      await timeline.getByText('Event cart_updated').first().click();
      await timeline.getByText('"total": 45').waitFor();
      await screenshot(page, 'subject-timeline');
    });

    await t.test('why not: a rule whose condition was false shows the values it saw', async () => {
      await page.getByLabel('Rule').selectOption('huge-cart');
      await page.getByRole('button', { name: 'Explain' }).click();
      const why = page.getByTestId('why-not');
      await why.waitFor();
      assert.equal(await why.getByText('Condition false').count(), 2);
      const text = await why.textContent() ?? '';
      assert.match(text, /event\.properties\.total = 45/);
      assert.match(text, /event\.properties\.total = 12/);
      assert.doesNotMatch(text, /Event identify/, 'events of other types are hidden until asked for');
      await why.getByLabel('Show the events of other types too (1)').check();
      await why.getByText('Not the event it listens for').waitFor();
      await screenshot(page, 'subject-why-not');
    });

    await t.test('in Korean the page and its outcomes read in Korean', async () => {
      await page.getByTestId('language').selectOption('ko');
      await page.getByRole('heading', { name: '대상 ada' }).waitFor();
      await page.getByTestId('why-not').getByText('조건 불만족').first().waitFor();
      await page.getByTestId('timeline').getByText('규칙 big-cart(v1) 실행됨').waitFor();
      await screenshot(page, 'subject-korean');
      await page.getByTestId('language').selectOption('en');
      await page.getByRole('heading', { name: 'Subject ada' }).waitFor();
    });

    await t.test('the firing links to its trace, and the trace back to the subject with the rule chosen', async () => {
      await page.getByTestId('timeline').getByRole('link', { name: 'See why it fired big-cart' }).click();
      await page.getByRole('heading', { name: 'Firing of big-cart for ada' }).waitFor();
      await page.getByRole('link', { name: 'Timeline of ada and why (not) this rule' }).click();
      await page.getByRole('heading', { name: 'Subject ada' }).waitFor();
      const why = page.getByTestId('why-not');
      await why.getByText('Rule big-cart, version 1', { exact: false }).waitFor();
      await why.getByText('Fired', { exact: true }).waitFor();
      await why.getByText('Condition false').waitFor();
    });

    await t.test('no serious accessibility violation and no sideways scrolling, at 1280 and 390 px', async () => {
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        for (const path of ['/subjects', '/subjects/ada?rule=huge-cart', '/subjects/nobody']) {
          await page.goto(`${server.url}${path}`);
          await page.locator('h1').first().waitFor();
          if (path.includes('ada')) await page.getByTestId('why-not').waitFor();
          if (path.endsWith('nobody')) await page.getByTestId('timeline-empty').waitFor();
          if (path === '/subjects') await page.getByRole('link', { name: 'ada' }).waitFor();
          await checkPage(page, `${path} at ${width} px`);
        }
        if (width === 390) await screenshot(page, 'subject-empty-390');
      }
      assert.deepEqual(pageErrors.filter((e) => !/404/.test(e)), [], 'no script error (the profile of an unknown subject answers 404, as expected)');
    });
  } finally {
    await browser.close();
    await server.stop();
  }
});
