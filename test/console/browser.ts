// Browser tests' support: Debian's Chromium driven by playwright-core, the console's production build served by the
// real server, screenshots under test-results/, and an axe-core check injected into the page.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CONSOLE_DIR } from '../../src/api/console-static.ts';
import { ADMIN_TOKEN } from '../support/server.ts';

export const CHROMIUM = process.env.IFTHEN_CHROMIUM ?? '/usr/bin/chromium';
const RESULTS = join(process.cwd(), 'test-results');

/** Chromium, or a skip when it is not installed locally; under CI a missing browser or build fails the test. */
export async function launch(t: TestContext): Promise<Browser | undefined> {
  const missing = !existsSync(CHROMIUM) ? `${CHROMIUM} is not installed (apt-get install -y chromium)` : !existsSync(join(CONSOLE_DIR, 'index.html')) ? 'the console is not built (npm run build:console)' : undefined;
  if (missing) {
    if (process.env.CI === 'true') throw new Error(missing);
    t.skip(missing);
    return undefined;
  }
  // --no-sandbox: CI and these machines run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: join(RESULTS, `console-${name}.png`), fullPage: true });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: Array<{ target: unknown; failureSummary?: string }> }

/** axe-core's serious and critical violations on the page as it is now (evaluated over DevTools, so the CSP allows it). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource);
  const result = (await page.evaluate('window.axe.run(document, { resultTypes: ["violations"] })')) as { violations: AxeViolation[] };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export const describeViolations = (violations: AxeViolation[]) =>
  violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`).join('\n');

/** Opens the console at `url` and signs in with the admin token, as a person pasting it would. */
export async function signInWithToken(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByRole('button', { name: 'Use an API token instead' }).click();
  await page.getByLabel('API token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Use this token' }).click();
  await page.getByTestId('who').waitFor();
}
