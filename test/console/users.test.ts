// Users & keys in a real headless Chromium against the real server: the admin (admin token) adds an editor and a
// viewer with passwords, sees the API's refusal at the form, creates a write key (shown once, copied) and revokes it
// (the key then gets 401 on POST /v1/events), deletes a person after a confirmation; the audit log shows all of it
// with the actor and a rule change's diff marked +/−; the editor sees the rules' entries only; a viewer signs in with
// a user name and password and sees the refusal in words. Accessibility and width at 1280 and 390 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_TOKEN, startTestServer, type InProcessServer } from '../support/server.ts';
import { until } from '../support/until.ts';
import { describeViolations, launch, screenshot, seriousViolations, signInWithToken } from './browser.ts';

async function checkPage(page: Page, label: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(100);
    const violations = await seriousViolations(page);
    assert.equal(violations.length, 0, `${label} at ${width} px:\n${describeViolations(violations)}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${label} at ${width} px scrolls sideways by ${overflow} px`);
    await screenshot(page, `${label}-${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** A page of its own (cookies apart), watching for script errors and failed requests. */
async function openPage(browser: Browser, server: InProcessServer) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Seoul' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text()); });
  return { page, errors };
}

async function signInWithPassword(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').filter({ hasText: `Signed in as ${username}` }).waitFor();
}

test('users & keys in Chromium: people, write keys, audit log with diffs, what editors and viewers see', { timeout: 240_000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startTestServer();
  try {
    const { page, errors } = await openPage(browser, server);
    await signInWithToken(page, server.url);
    errors.length = 0; // the session check before signing in is refused, as it should be

    await t.test('the admin adds an editor and a viewer with passwords; a refusal shows at the form', async () => {
      await page.getByRole('link', { name: 'Users & keys' }).click();
      await page.getByRole('heading', { name: 'Users & keys', level: 1 }).waitFor();
      await page.getByTestId('access').filter({ hasText: 'You are signed in as the admin token, with the role Admin.' }).waitFor();
      const form = page.getByTestId('add-user');
      for (const [name, role] of [['edna', 'editor'], ['vera', 'viewer'], ['temp', 'viewer']] as const) {
        await form.getByLabel('User name').fill(name);
        await form.getByLabel('Password').fill(`${name}-password-1`);
        await form.getByLabel('Role').selectOption(role);
        await form.getByRole('button', { name: 'Add person' }).click();
        await page.getByTestId('add-user-result').filter({ hasText: `${name} was added as ${role === 'editor' ? 'Editor' : 'Viewer'}.` }).waitFor();
        await page.locator(`tr[data-user="${name}"]`).waitFor();
      }
      // The API's refusals, in its words, where the action was made.
      await form.getByLabel('User name').fill('edna');
      await form.getByLabel('Password').fill('another-password');
      await form.getByRole('button', { name: 'Add person' }).click();
      await page.getByTestId('add-user-result').filter({ hasText: 'The server refused: user "edna" exists already' }).waitFor();
      await form.getByLabel('User name').fill('shorty');
      await form.getByLabel('Password').fill('short');
      await form.getByRole('button', { name: 'Add person' }).click();
      await page.getByTestId('add-user-result').filter({ hasText: /The server refused: .*10 characters/ }).waitFor();
      const users = await server.request('GET', '/v1/users');
      assert.deepEqual(users.body.items.map((u: { username: string; role: string }) => [u.username, u.role]).sort(), [['edna', 'editor'], ['temp', 'viewer'], ['vera', 'viewer']]);
      await screenshot(page, 'users-people');
    });

    await t.test('deleting a person asks first and says what happens; cancelling keeps them', async () => {
      const row = page.locator('tr[data-user="temp"]');
      await row.getByRole('button', { name: 'Delete temp' }).click();
      const dialog = page.getByRole('dialog', { name: 'Delete temp?' });
      await dialog.getByText('This cannot be undone').waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await row.count(), 1);
      await row.getByRole('button', { name: 'Delete temp' }).click();
      await page.getByRole('dialog', { name: 'Delete temp?' }).getByRole('button', { name: 'Delete temp' }).click();
      await page.getByText('temp was deleted.').waitFor();
      await row.waitFor({ state: 'detached' });
      assert.equal((await server.request('GET', '/v1/users')).body.items.length, 2);
    });

    let keyValue = '';
    await t.test('a write key is shown once with a copy button; revoked, it gets 401 on POST /v1/events', async () => {
      const keys = page.getByTestId('keys');
      await keys.getByLabel('Name of the key').fill('shop backend');
      await keys.getByRole('button', { name: 'Create write key' }).click();
      const shown = page.getByTestId('new-key');
      await shown.getByText('You will not see it again.').waitFor();
      keyValue = (await page.getByTestId('new-key-value').textContent()) ?? '';
      assert.ok(keyValue.length > 20, 'the key is shown');
      await shown.getByRole('button', { name: 'Copy key' }).click();
      await shown.getByText('Copied.').waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), keyValue);
      const listed = await server.request('GET', '/v1/keys');
      assert.ok(!JSON.stringify(listed.body).includes(keyValue), 'the list never holds the value');
      const event = { type: 'key_check', subject: 'k1', properties: {} };
      assert.equal((await server.request('POST', '/v1/events', event, { token: keyValue })).status, 200);
      await screenshot(page, 'users-key-once');
      await shown.getByRole('button', { name: 'I have stored it; hide it' }).click();
      assert.equal(await page.getByTestId('new-key-value').count(), 0, 'hidden, it is gone from the page');

      await keys.getByRole('button', { name: 'Revoke shop backend' }).click();
      const dialog = page.getByRole('dialog', { name: 'Revoke the key "shop backend"?' });
      await dialog.getByText(/refused \(401\) within seconds/).waitFor();
      await dialog.getByRole('button', { name: 'Revoke the key' }).click();
      await keys.getByText('The key "shop backend" was revoked').waitFor();
      await keys.getByText(/^Revoked /).waitFor();
      await until(async () => ((await server.request('POST', '/v1/events', event, { token: keyValue })).status === 401 ? true : undefined), 10_000);
    });

    await t.test('the audit log shows who did what, filters by target and actor, and a rule change\'s diff with + and −', async () => {
      const v1 = 'id: audited\nname: Audited rule\nwhen:\n  event: purchase\nthen:\n  - log: { message: first }\n';
      const v2 = 'id: audited\nname: Audited rule\nwhen:\n  event: purchase\nthen:\n  - log: { message: second }\n';
      assert.equal((await server.request('PUT', '/v1/rules/audited', v1)).status, 201);
      assert.equal((await server.request('PUT', '/v1/rules/audited', v2)).status, 200);
      await page.reload();
      const audit = page.getByTestId('audit');
      const entries = audit.getByTestId('audit-entry');
      await entries.first().waitFor();
      const text = await audit.getByTestId('audit-list').textContent() ?? '';
      for (const expected of ['added', 'user:edna', 'created the write key', 'revoked the write key', 'key:', 'deleted', 'user:temp', 'saved the rule', 'rule:audited']) {
        assert.ok(text.includes(expected), `the audit log shows "${expected}"`);
      }
      assert.ok(text.includes('Admin token'), 'with the actor');
      // Filtered to keys.
      await audit.getByLabel('About').selectOption('key');
      await audit.getByRole('button', { name: 'Show entries' }).click();
      await until(async () => {
        const actions = await entries.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-action')));
        return actions.length === 2 && actions.every((a) => a?.startsWith('key.')) ? true : undefined;
      });
      // Filtered to one rule, and by actor.
      await audit.getByLabel('About').selectOption('rule');
      await audit.getByLabel('Rule id, key id or user name').fill('audited');
      await audit.getByLabel('Done by').fill('IFTHEN_ADMIN_TOKEN');
      await audit.getByRole('button', { name: 'Show entries' }).click();
      await until(async () => ((await entries.count()) === 2 && (await entries.first().getAttribute('data-target')) === 'rule:audited' ? true : undefined));
      const newest = entries.first();
      await newest.getByText('Show the change').click();
      const diff = newest.getByTestId('audit-diff');
      await diff.waitFor();
      assert.match(await newest.textContent() ?? '', /1 line added, 1 line removed/);
      const added = diff.locator('.diff-add');
      const removed = diff.locator('.diff-del');
      assert.match(await added.textContent() ?? '', /^\+added: +- log: \{ message: second \}$/);
      assert.match(await removed.textContent() ?? '', /^−removed: +- log: \{ message: first \}$/);
      assert.equal(await added.locator('.diff-mark').textContent(), '+', 'marked + besides the colour');
      assert.equal(await removed.locator('.diff-mark').textContent(), '−', 'marked − besides the colour');
      await screenshot(page, 'users-audit-diff');
      await audit.getByLabel('About').selectOption('all');
      await audit.getByLabel('Done by').fill('');
      await audit.getByRole('button', { name: 'Show entries' }).click();
      await entries.nth(3).waitFor();
      await checkPage(page, 'users-admin');
      assert.deepEqual(errors, [], 'no script error reached the console');
    });

    await t.test('an editor signs in and sees the rules\' entries of the audit log only, no forms for people or keys', async () => {
      const editor = await openPage(browser, server);
      await signInWithPassword(editor.page, server.url, 'edna', 'edna-password-1');
      await editor.page.getByRole('link', { name: 'Users & keys' }).click();
      await editor.page.getByTestId('access').filter({ hasText: 'with the role Editor' }).waitFor();
      await editor.page.getByTestId('people-not-allowed').waitFor();
      assert.equal(await editor.page.getByTestId('add-user').count(), 0);
      assert.equal(await editor.page.getByTestId('keys').count(), 0);
      const entries = editor.page.getByTestId('audit-entry');
      await entries.first().waitFor();
      const targets = await entries.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-target')));
      assert.ok(targets.length >= 2 && targets.every((target) => target?.startsWith('rule:')), `only rules: ${targets.join(', ')}`);
      await checkPage(editor.page, 'users-editor');
      assert.deepEqual(editor.errors, []);
      await editor.page.context().close();
    });

    await t.test('a viewer signs in with a user name and password and sees what the role allows and the refusal', async () => {
      const viewer = await openPage(browser, server);
      await signInWithPassword(viewer.page, server.url, 'vera', 'vera-password-1');
      await viewer.page.getByRole('link', { name: 'Users & keys' }).click();
      await viewer.page.getByTestId('access').filter({ hasText: 'Viewers read everything in the console' }).waitFor();
      await viewer.page.getByTestId('audit-refused').filter({ hasText: 'your role (viewer) cannot read the audit log: ask an admin or an editor' }).waitFor();
      assert.equal(await viewer.page.getByTestId('add-user').count(), 0);
      await checkPage(viewer.page, 'users-viewer');
      await viewer.page.getByTestId('language').selectOption('ko');
      await viewer.page.getByRole('heading', { name: '사용자와 키', level: 1 }).waitFor();
      await viewer.page.getByTestId('access').filter({ hasText: '역할은 뷰어입니다' }).waitFor();
      await screenshot(viewer.page, 'users-viewer-korean');
      assert.deepEqual(viewer.errors, []);
      await viewer.page.context().close();
    });
  } finally {
    await browser.close();
    await server.stop();
  }
});
