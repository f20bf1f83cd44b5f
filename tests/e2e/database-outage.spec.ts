import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  expect,
  request as playwrightRequest,
  test,
  type APIRequestContext,
  type BrowserContext,
  type Page,
} from '@playwright/test';
import en from '../../lib/i18n/messages/en.json' with { type: 'json' };
import zhCN from '../../lib/i18n/messages/zh-CN.json' with { type: 'json' };
import { readDemoCredentials, type DemoCredentials } from '../../server/services/seed.ts';
import {
  haveThrowawayBinaries,
  startThrowawayPostgres,
  startThrowawayRedis,
  type ThrowawayPostgres,
  type ThrowawayRedis,
} from '../helpers/throwaway-services.ts';
import { connectGate, DEMO_PASSWORD, sellTickets, signIn, trpcMutation, WALL_LOAD } from './helpers.ts';
import { seedServerData, serverEnv, startServer, type TServer } from './server.ts';

/**
 * A PostgreSQL that freezes (SIGSTOP: it holds its connections and answers nothing) under a
 * server of this file's own: signing in says the service is unavailable, never "wrong password";
 * an open wall and controls tablet mark their data stale, keep it on screen and come back by
 * themselves after the thaw, without a reload, showing what the database holds.
 */

/** Port of this file's server (the suite's own is E2E_PORT, kiosk-outages.spec.ts takes +1). */
const OUTAGE_PORT = Number(process.env.E2E_PORT ?? 3210) + 2;
const baseURL = `http://127.0.0.1:${OUTAGE_PORT}`;
/** A frozen database is noticed within the servers' and screens' bounds (seconds), not at once. */
const NOTICE_MS = 60_000;

const canFault = haveThrowawayBinaries();
if (!canFault && process.env.CI === 'true')
  throw new Error(
    'CI=true but the PostgreSQL server binaries or redis-server are missing: the outage test cannot be skipped in CI',
  );

/** Marks the page so a reload (which would lose the mark) cannot pass for a recovery. */
const markPage = (page: Page) => page.evaluate(() => ((window as unknown as { outageMark: number }).outageMark = 7));
const pageMark = (page: Page) => page.evaluate(() => (window as unknown as { outageMark?: number }).outageMark);

async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.locator('button[type=submit]').click();
}

test.describe('through a database freeze', () => {
  test.skip(!canFault, 'needs the PostgreSQL server binaries and redis-server for a cluster of its own');
  let db: ThrowawayPostgres;
  let redis: ThrowawayRedis | undefined;
  let server: TServer | undefined;
  let creds: DemoCredentials;
  let ctripId: number;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    db = await startThrowawayPostgres();
    // With Redis in play (REDIS_URL set), one of this file's own: the machine's would share its
    // default key prefix, streams and counters with the suite's server.
    if (process.env.REDIS_URL) redis = await startThrowawayRedis();
    const env = serverEnv(OUTAGE_PORT, mkdtempSync(path.join(tmpdir(), 'tw-e2e-outage-')), { DATABASE_URL: db.url });
    if (redis) env.REDIS_URL = redis.url;
    else delete env.REDIS_URL;
    await seedServerData(env);
    server = await startServer(env);
    creds = readDemoCredentials(env.TIDEWATCH_DATA_DIR!)!;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      ctripId = (await client.query<{ id: number }>("SELECT id FROM channels WHERE code = 'CTRIP'")).rows[0].id;
    } finally {
      await client.end();
    }
  });
  test.afterAll(async () => {
    await server?.stop();
    await db?.stop();
    await redis?.close();
  });

  test('signing in says the service is unavailable, not a wrong password, and works after the thaw', async ({
    browser,
  }) => {
    test.setTimeout(180_000);
    const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      await page.goto('/sign-in?next=%2Fcontrols');
      await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
      const error = page.getByTestId('signin-error');

      db.freeze();
      try {
        // The right password and a wrong one get the same answer: nothing could be checked.
        await submitSignIn(page, 'manager@demo.tidewatch', DEMO_PASSWORD);
        await expect(error).toHaveAttribute('data-code', 'unavailable', { timeout: NOTICE_MS });
        await expect(error).toHaveText(zhCN.signIn.unavailable);
        await page.screenshot({ path: 'docs/screenshots/sign-in-unavailable-zh-CN.png' });
        await submitSignIn(page, 'manager@demo.tidewatch', 'not the password');
        await expect(page.locator('button[type=submit]')).toBeEnabled({ timeout: NOTICE_MS });
        await expect(error).toHaveAttribute('data-code', 'unavailable');

        await page.getByTestId('language-switch').click();
        await expect(page.locator('html')).toHaveAttribute('lang', 'en');
        await submitSignIn(page, 'manager@demo.tidewatch', DEMO_PASSWORD);
        await expect(error).toHaveAttribute('data-code', 'unavailable', { timeout: NOTICE_MS });
        await expect(error).toHaveText(en.signIn.unavailable);
        await page.screenshot({ path: 'docs/screenshots/sign-in-unavailable-en.png' });
      } finally {
        db.thaw();
      }

      // Thawed: a wrong password is wrong again (the pool may need a moment to come back)...
      await expect(async () => {
        await submitSignIn(page, 'manager@demo.tidewatch', 'not the password');
        // The form clears its message when it sends and shows the answer when it is no longer busy.
        await expect(page.locator('button[type=submit]')).toBeEnabled({ timeout: NOTICE_MS });
        expect(await error.getAttribute('data-code')).toBe('invalid_credentials');
      }).toPass({ timeout: NOTICE_MS });
      await expect(error).toHaveText(en.signIn.invalid_credentials);
      // ...and the outage cost the account none of its attempts: the right one signs in.
      await submitSignIn(page, 'manager@demo.tidewatch', DEMO_PASSWORD);
      await expect(page).toHaveURL(/\/controls$/);
      await expect(page.locator('main[data-loading-state="loaded"]')).toBeVisible(WALL_LOAD);
    } finally {
      await context.close();
    }
  });

  test('an open wall and controls tablet mark their data stale and come back by themselves', async ({ browser }) => {
    test.setTimeout(300_000);
    const contexts: BrowserContext[] = [];
    const apis: APIRequestContext[] = [];
    try {
      const wallContext = await browser.newContext({ baseURL, viewport: { width: 1920, height: 1080 } });
      const tabletContext = await browser.newContext({
        baseURL,
        viewport: { width: 1024, height: 768 },
        hasTouch: true,
      });
      contexts.push(wallContext, tabletContext);
      const api = await playwrightRequest.newContext({ baseURL });
      const otherManager = await playwrightRequest.newContext({ baseURL });
      apis.push(api, otherManager);
      await signIn(wallContext.request, 'operator@demo.tidewatch');
      await signIn(tabletContext.request, 'manager@demo.tidewatch');
      await signIn(otherManager, 'manager@demo.tidewatch');

      const wall = await wallContext.newPage();
      await wall.goto('/command-center?kiosk=1');
      await expect(wall.locator('main[data-loading-state="loaded"]')).toBeVisible(WALL_LOAD);
      await expect(wall.locator('.live-badge')).toBeVisible();
      const inPark = wall.locator('[data-kpi="in_park"]');
      await expect(inPark).not.toHaveAttribute('data-value', '');
      const before = Number(await inPark.getAttribute('data-value'));
      await markPage(wall);

      const tablet = await tabletContext.newPage();
      await tablet.goto('/controls');
      await expect(tablet.locator('main[data-loading-state="loaded"]')).toBeVisible(WALL_LOAD);
      const ctrip = tablet.getByTestId('pause-CTRIP');
      await expect(ctrip).toHaveAttribute('aria-checked', 'true');
      await markPage(tablet);

      db.freeze();
      try {
        await expect(wall.getByTestId('stale')).toBeVisible({ timeout: NOTICE_MS });
        await expect(wall.locator('.live-badge')).toHaveCount(0);
        await expect(tablet.getByTestId('stale')).toBeVisible({ timeout: NOTICE_MS });
        // The last data stays on screen under the mark.
        await expect(inPark).toHaveAttribute('data-value', String(before));
        await expect(ctrip).toHaveAttribute('aria-checked', 'true');
        await wall.screenshot({ path: 'docs/screenshots/wall-stale-1920x1080.png' });
        // A change during the freeze says nothing was changed, in the tablet's language.
        await ctrip.tap();
        await expect(tablet.getByTestId('change-error')).toHaveText(zhCN.outage.nothingChanged, { timeout: NOTICE_MS });
        await expect(ctrip).toHaveAttribute('aria-checked', 'true');
        // Asking again after the failed change must not lift the mark before an answer comes.
        await expect(tablet.getByTestId('stale')).toBeVisible();
        await tablet.screenshot({ path: 'docs/screenshots/controls-stale-1024x768.png' });
      } finally {
        db.thaw();
      }

      await expect(wall.locator('.live-badge')).toBeVisible({ timeout: NOTICE_MS });
      await expect(wall.getByTestId('stale')).toHaveCount(0);
      await expect(tablet.getByTestId('stale')).toHaveCount(0, { timeout: NOTICE_MS });
      expect(await pageMark(wall)).toBe(7);
      expect(await pageMark(tablet)).toBe(7);

      // Live again and right: nothing was paused by the tap in the freeze, a visitor coming in
      // shows on the wall, and another manager's pause shows on the tablet.
      await expect(ctrip).toHaveAttribute('aria-checked', 'true');
      const [code] = await sellTickets(api, creds, 'WINDOW-1', 1);
      const gate = await connectGate(baseURL, creds, 'MG-03');
      try {
        expect(
          await gate.emitWithAck('scan', {
            id: `outage-${Date.now()}`,
            code,
            direction: 'in',
            at: new Date().toISOString(),
          }),
        ).toMatchObject({ result: 'admit' });
      } finally {
        gate.close();
      }
      await expect(inPark).toHaveAttribute('data-value', String(before + 1));
      expect(
        (
          await trpcMutation(otherManager, 'controls.setChannel', {
            channelId: ctripId,
            paused: true,
            reason: 'e2e after the outage',
          })
        ).status,
      ).toBe(200);
      await expect(ctrip).toHaveAttribute('aria-checked', 'false');
      expect(await pageMark(tablet)).toBe(7);
    } finally {
      for (const a of apis) await a.dispose();
      for (const c of contexts) await c.close();
    }
  });
});
