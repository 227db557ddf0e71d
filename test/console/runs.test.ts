// The runs page in a real headless Chromium against the real server: a rule with a webhook to a receiver on
// loopback, an event sent through the API, the firing with its trace in words, the delivery with its attempts; then
// the receiver fails until a delivery is dead, the dead-letter list shows it, the replay says what it will do
// (count and destination), and after the receiver is fixed the delivery succeeds and leaves the list. A viewer
// cannot replay: the API answers 403 and the page says why. Accessibility and 390 px on every runs view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { until } from '../support/until.ts';
import { describeViolations, launch, screenshot, seriousViolations, signInWithToken } from './browser.ts';

let sequence = 0;
const event = (subject: string, total: number) => ({ id: `runs-${process.pid}-${sequence++}`, type: 'purchase', subject, properties: { total } });


async function deadDelivery(server: InProcessServer, receiver: Receiver, subject: string): Promise<string> {
  receiver.respond = (_req, res) => { res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver is down'); };
  assert.equal((await server.request('POST', '/v1/events', [event(subject, 50)])).status, 200);
  return until(async () => {
    const page = (await server.request('GET', `/v1/deliveries?status=dead&subject=${subject}`)).body;
    return page.items[0]?.id as string | undefined;
  }, 20_000);
}

async function checkPage(page: Page, label: string) {
  const violations = await seriousViolations(page);
  assert.equal(violations.length, 0, `${label}:\n${describeViolations(violations)}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${label}: the page scrolls sideways by ${overflow} px`);
}

test('runs in Chromium: firing with its trace, delivery with attempts, dead letter, replay preview, replay, viewer refused', { timeout: 240_000 }, async (t) => {
  const browser: Browser | undefined = await launch(t);
  if (!browser) return;
  // Few, fast retries: a failing receiver kills a delivery within a second.
  const server = await startTestServer({ IFTHEN_DELIVERY_MAX_ATTEMPTS: '2', IFTHEN_DELIVERY_BACKOFF_MS: '100', IFTHEN_DELIVERY_BACKOFF_MAX_MS: '200' });
  const receiver = await startReceiver();
  try {
    const rule = {
      id: 'runs-hook', name: 'Thank big buyers', when: { event: 'purchase', where: 'event.properties.total >= 10' },
      then: [{ webhook: { url: `${receiver.url}/hook`, body: '{"subject": "{{ subject.id }}"}' } }],
    };
    assert.equal((await server.request('PUT', '/v1/rules/runs-hook', rule)).status, 201);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Seoul' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(message.text()); });
    page.on('response', (response) => { if (response.status() >= 400) pageErrors.push(`${response.status()} ${response.url()}`); });
    await signInWithToken(page, server.url);
    pageErrors.length = 0; // the signed-out check before the token is given answers 401, as expected

    let firingPath = '';
    let deliveryPath = '';
    await t.test('before anything fired, the lists say what to do next', async () => {
      await page.getByRole('link', { name: 'Runs' }).click();
      await page.getByTestId('firings-empty').filter({ hasText: 'No firings yet' }).waitFor();
      await page.getByRole('link', { name: 'Dead letters' }).click();
      await page.getByTestId('deliveries-empty').filter({ hasText: 'The dead-letter list is empty' }).waitFor();
      await screenshot(page, 'runs-empty');
    });

    await t.test('an event sent through the API shows as a firing (live) with its trace in words and its delivery', async () => {
      await page.getByRole('link', { name: 'Firings' }).click();
      await page.getByTestId('firings-empty').waitFor();
      assert.equal((await server.request('POST', '/v1/events', [event('buyer-1', 42)])).status, 200);
      // The list refreshes by itself.
      const open = page.getByRole('link', { name: 'Trace of runs-hook for buyer-1' });
      await open.waitFor({ timeout: 15_000 });
      await screenshot(page, 'runs-firings');
      await open.click();
      await page.getByRole('heading', { name: 'Firing of runs-hook for buyer-1' }).waitFor();
      firingPath = new URL(page.url()).pathname;
      const trace = page.getByTestId('trace');
      await trace.getByText('The event was purchase, which the rule listens for (purchase).').waitFor();
      await trace.getByText('The condition held:').waitFor();
      assert.match(await trace.textContent() ?? '', /event\.properties\.total = 42/);
      await trace.getByText('The subject is in the treatment group, so the actions ran.').waitFor();
      await page.getByRole('link', { name: 'buyer-1' }).first().waitFor();
      const actions = page.getByTestId('firing-actions');
      await actions.getByText('Queued for delivery').waitFor();
      await actions.getByText('Delivered').waitFor({ timeout: 15_000 });
      await screenshot(page, 'runs-firing-trace');
    });

    await t.test('the delivery shows its idempotency key and its attempts', async () => {
      await page.getByTestId('firing-actions').getByRole('link', { name: /Delivery to/ }).click();
      await page.getByRole('heading', { name: /webhook delivery to 127\.0\.0\.1/ }).waitFor();
      deliveryPath = new URL(page.url()).pathname;
      const id = decodeURIComponent(deliveryPath.split('/').filter(Boolean).pop()!);
      await page.getByTestId('delivery-facts').getByText(id, { exact: true }).waitFor();
      const attempts = page.getByTestId('attempts');
      await attempts.getByText('HTTP 200').waitFor();
      assert.equal(await attempts.locator('tbody tr').count(), 1);
      assert.equal(receiver.requests[0].headers['idempotency-key'], id);
      await page.getByRole('button', { name: 'Send again' }).waitFor();
      await screenshot(page, 'runs-delivery');
    });

    let dead = '';
    await t.test('a failing receiver kills a delivery; the dead-letter list shows it; replay says what it will do, then does it', async () => {
      dead = await deadDelivery(server, receiver, 'buyer-2');
      await page.getByRole('link', { name: 'Dead letters' }).click();
      const table = page.getByTestId('dead');
      await table.waitFor({ timeout: 15_000 });
      await table.getByRole('cell', { name: 'HTTP 500', exact: false }).first().waitFor();
      await page.getByRole('checkbox', { name: `Choose ${dead}` }).check();
      await page.getByRole('button', { name: 'Replay 1 chosen' }).click();
      const preview = page.getByTestId('replay-preview');
      await preview.getByText('Sends 1 delivery again, to 1 destination:').waitFor();
      await preview.getByText(`${new URL(receiver.url).host} (webhook): 1`).waitFor();
      await preview.getByText('Made by rule runs-hook (1) at v1.').waitFor();
      await preview.getByText(/same idempotency key/).waitFor();
      await screenshot(page, 'runs-replay-preview');
      // Nothing was replayed by the preview.
      assert.equal((await server.request('GET', `/v1/deliveries/${dead}`)).body.status, 'dead');
      receiver.respond = (_req, res) => { res.writeHead(200).end('ok'); };
      await preview.getByRole('button', { name: 'Replay 1 delivery' }).click();
      await page.getByTestId('replay-result').filter({ hasText: 'Replayed 1 delivery: it is being sent now.' }).waitFor();
      await until(async () => ((await server.request('GET', `/v1/deliveries/${dead}`)).body.status === 'delivered' ? true : undefined), 15_000);
      await page.getByTestId('deliveries-empty').filter({ hasText: 'The dead-letter list is empty' }).waitFor({ timeout: 15_000 });
      await screenshot(page, 'runs-replayed');
      await page.goto(`${server.url}/runs/deliveries/${encodeURIComponent(dead)}`);
      await page.getByTestId('delivery-status').getByText('Delivered').waitFor();
      const codes = await page.getByTestId('attempts').locator('tbody tr td:nth-child(4)').allTextContents();
      assert.deepEqual(codes.map((c) => c.trim().slice(0, 8)), ['HTTP 500', 'HTTP 500', 'HTTP 200']);
    });

    await t.test('the deliveries list filters by status and subject', async () => {
      await page.goto(`${server.url}/runs/deliveries?subject=buyer-1`);
      const table = page.getByTestId('deliveries');
      await table.waitFor();
      assert.equal(await table.locator('tbody tr').count(), 1);
      await page.getByTestId('runs-filters').getByLabel('Status').selectOption('dead');
      await page.getByTestId('runs-filters').getByRole('button', { name: 'Apply filters' }).click();
      await page.getByTestId('deliveries-empty').waitFor();
    });

    await t.test('no serious accessibility violation and no sideways scrolling on every runs view, at 1280 and 390 px', async () => {
      const stillDead = await deadDelivery(server, receiver, 'buyer-3');
      const paths = ['/runs', '/runs/deliveries', '/runs/dead', firingPath, deliveryPath, `/runs/deliveries/${encodeURIComponent(stillDead)}`];
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        for (const path of paths) {
          await page.goto(`${server.url}${path}`);
          await page.locator('h1').first().waitFor();
          await page.locator('table, .empty').first().waitFor();
          await checkPage(page, `${path} at ${width} px`);
        }
        if (width === 390) {
          await page.goto(`${server.url}/runs/dead`);
          await page.getByTestId('dead').waitFor();
          await screenshot(page, 'runs-dead-390');
        }
      }
      await page.setViewportSize({ width: 1280, height: 900 });
      assert.deepEqual(pageErrors, []);
    });

    await t.test('a viewer sees the dead letters but cannot replay: the API answers 403 and the page says why', async () => {
      const made = await server.request('POST', '/v1/users', { username: 'vera', password: 'a-long-viewer-password', role: 'viewer' });
      assert.equal(made.status, 201, made.text);
      const viewer = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
      try {
        const vp = await viewer.newPage();
        await vp.goto(`${server.url}/runs/dead`);
        await vp.getByLabel('User name').fill('vera');
        await vp.getByLabel('Password').fill('a-long-viewer-password');
        await vp.getByRole('button', { name: 'Sign in', exact: true }).click();
        await vp.getByTestId('dead').waitFor();
        await vp.getByRole('button', { name: 'Replay all dead' }).click();
        await vp.getByTestId('replay-preview').getByRole('alert').filter({ hasText: 'Not allowed: your role (viewer) cannot replay deliveries: ask an admin or an editor.' }).waitFor();
        await screenshot(vp, 'runs-viewer-refused');
        assert.equal((await server.request('GET', '/v1/deliveries?status=dead')).body.items.length, 1, 'nothing was replayed');
      } finally {
        await viewer.close();
      }
    });
  } finally {
    await browser.close();
    await receiver.close();
    await server.stop();
  }
});
