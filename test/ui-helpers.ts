/** What the web UI's end-to-end tests share. */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** GET of a UI API path with an API token, expected to answer 200; its JSON. */
export async function uiApi<T>(base: string, token: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** With UI_SCREENSHOTS=DIR (scripts/ui-screenshots.sh), the walk-throughs save the README's screenshots there. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.UI_SCREENSHOTS;
  if (dir) await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** Logs `page` in through the login form the UI redirects to, from `start` (a page path); ends on the issue list. */
export async function logIn(page: Page, base: string, user: string, password: string, start = '/issues'): Promise<void> {
  page.setDefaultTimeout(10_000); // a failed step says which, before the test's own timeout
  await page.goto(`${base}${start}`);
  await page.waitForURL(`${base}/login`);
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${base}/issues`);
}
