import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, request as playwrightRequest, test, type Page } from '@playwright/test';
import { readDemoCredentials, type DemoCredentials } from '../../server/services/seed.ts';
import { connectGate, sellTickets, signIn, WALL_LOAD } from './helpers.ts';
import { seedServerData, serverEnv, startServer, type TServer } from './server.ts';

/**
 * A kiosk wall nobody touches: it must come back by itself from a lost network and from a restart
 * of its server, without a reload, and then show what the database holds.
 */

/** Port of the server this file restarts (the suite's own server keeps running on E2E_PORT). */
const RESTART_PORT = Number(process.env.E2E_PORT ?? 3210) + 1;

const inParkOf = async (page: Page) => Number(await page.locator('[data-kpi="in_park"]').getAttribute('data-value'));

/** Marks the page so a reload (which would lose the mark) cannot pass for a recovery. */
const markPage = (page: Page) => page.evaluate(() => ((window as unknown as { kioskMark: number }).kioskMark = 42));
const pageMark = (page: Page) => page.evaluate(() => (window as unknown as { kioskMark?: number }).kioskMark);

async function openKiosk(page: Page): Promise<void> {
  await page.goto('/command-center?kiosk=1');
  await expect(page.locator('main[data-loading-state="loaded"]')).toBeVisible(WALL_LOAD);
  await expect(page.locator('.live-badge')).toBeVisible();
  await expect(page.locator('[data-kpi="in_park"]')).not.toHaveAttribute('data-value', '');
  await markPage(page);
}

test('a kiosk that lost its network shows what happened meanwhile once it is back', async ({
  page,
  baseURL,
  request,
}) => {
  const creds = readDemoCredentials(process.env.E2E_DATA_DIR!)!;
  await signIn(page.context().request, 'operator@demo.tidewatch');
  await openKiosk(page);
  const before = await inParkOf(page);
  const [code] = await sellTickets(request, creds, 'WINDOW-1', 1);

  await page.context().setOffline(true);
  await expect(page.getByTestId('stale')).toBeVisible();
  // While the wall is cut off, a visitor comes in: the wall cannot hear of it.
  const g = await connectGate(baseURL!, creds, 'MG-03');
  try {
    expect(
      await g.emitWithAck('scan', {
        id: `offline-wall-${Date.now()}`,
        code,
        direction: 'in',
        at: new Date().toISOString(),
      }),
    ).toMatchObject({ result: 'admit' });
  } finally {
    g.close();
  }
  expect(await inParkOf(page)).toBe(before);

  await page.context().setOffline(false);
  await expect(page.locator('.live-badge')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('[data-kpi="in_park"]')).toHaveAttribute('data-value', String(before + 1));
  expect(await pageMark(page)).toBe(42);
});

test.describe('a kiosk whose server restarts', () => {
  let env: NodeJS.ProcessEnv;
  let server: TServer | undefined;
  let creds: DemoCredentials;

  test.beforeAll(async () => {
    // Its own server on the embedded default, so this file can stop and start it.
    env = serverEnv(RESTART_PORT, mkdtempSync(path.join(tmpdir(), 'tw-e2e-restart-')));
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    await seedServerData(env);
    server = await startServer(env);
    creds = readDemoCredentials(env.TIDEWATCH_DATA_DIR!)!;
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('comes back by itself, without a reload, with the numbers the database kept', async ({ browser }) => {
    test.setTimeout(180_000);
    const baseURL = `http://127.0.0.1:${RESTART_PORT}`;
    const context = await browser.newContext({ baseURL, viewport: { width: 1920, height: 1080 } });
    const api = await playwrightRequest.newContext({ baseURL });
    try {
      await signIn(context.request, 'operator@demo.tidewatch');
      const page = await context.newPage();
      await openKiosk(page);
      const codes = await sellTickets(api, creds, 'WINDOW-1', 2);
      const g = await connectGate(baseURL, creds, 'MG-01');
      const stamp = Date.now();
      for (const [i, code] of codes.entries()) {
        expect(
          await g.emitWithAck('scan', {
            id: `restart-${stamp}-${i}`,
            code,
            direction: 'in',
            at: new Date().toISOString(),
          }),
        ).toMatchObject({ result: 'admit' });
      }
      g.close();
      await expect(page.locator('[data-kpi="in_park"]')).toHaveAttribute('data-value', '2');

      await server!.stop();
      await expect(page.getByTestId('stale')).toBeVisible();
      server = await startServer(env);

      await expect(page.locator('.live-badge')).toBeVisible({ timeout: 30_000 });
      await expect(page.locator('[data-kpi="in_park"]')).toHaveAttribute('data-value', '2');
      // Live again: a visitor leaving after the restart shows at once.
      const g2 = await connectGate(baseURL, creds, 'MG-06');
      try {
        expect(
          await g2.emitWithAck('scan', {
            id: `restart-${stamp}-out`,
            code: codes[0],
            direction: 'out',
            at: new Date().toISOString(),
          }),
        ).toMatchObject({ result: 'admit' });
      } finally {
        g2.close();
      }
      await expect(page.locator('[data-kpi="in_park"]')).toHaveAttribute('data-value', '1');
      await expect(page.locator('[data-chart="entries"]')).toHaveAttribute('data-loading-state', 'loaded');
      expect(await pageMark(page)).toBe(42);
    } finally {
      await api.dispose();
      await context.close();
    }
  });
});
