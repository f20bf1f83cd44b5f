import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { readDemoCredentials, type DemoCredentials } from '../../server/services/seed.ts';
import { SESSION_RENEW_MS } from '../../lib/live/use-session-keep-alive.ts';
import { connectGate, signIn, sellTickets, today } from './helpers.ts';

let creds: DemoCredentials;

test.beforeAll(() => {
  creds = readDemoCredentials(process.env.E2E_DATA_DIR!)!;
  expect(creds, 'demo credentials written by the e2e setup').toBeTruthy();
});

const sell = (api: APIRequestContext, channel: string, qty: number) => sellTickets(api, creds, channel, qty);
const gate = (baseURL: string, code: string) => connectGate(baseURL, creds, code);

test('the wall display loads and in_park follows scans from a test device', async ({ page, baseURL, request }) => {
  await signIn(page.context().request, 'operator@demo.tidewatch');
  await page.goto('/command-center');
  await expect(page.locator('main[data-loading-state="loaded"]')).toBeVisible();
  const inPark = page.locator('[data-kpi="in_park"]');
  await expect(inPark).not.toHaveAttribute('data-value', '');
  const before = Number(await inPark.getAttribute('data-value'));
  const entries = Number(await page.locator('[data-kpi="entries_today"]').getAttribute('data-value'));
  const [code] = await sell(request, 'WINDOW-1', 1);
  await expect(page.locator('[data-kpi="sold_today"]')).not.toHaveAttribute('data-value', '0');
  const g = await gate(baseURL!, 'MG-02');
  try {
    expect(
      await g.emitWithAck('scan', { id: `wall-${Date.now()}`, code, direction: 'in', at: new Date().toISOString() }),
    ).toMatchObject({ result: 'admit' });
    await expect(inPark).toHaveAttribute('data-value', String(before + 1));
    await expect(page.locator('[data-kpi="entries_today"]')).toHaveAttribute('data-value', String(entries + 1));
    // The entry just made counts in the entries per minute of the last five minutes.
    await expect
      .poll(async () => Number(await page.locator('[data-kpi="entry_rate"]').getAttribute('data-value')))
      .toBeGreaterThan(0);
    expect(
      await g.emitWithAck('scan', {
        id: `wall-out-${Date.now()}`,
        code,
        direction: 'out',
        at: new Date().toISOString(),
      }),
    ).toMatchObject({ result: 'admit' });
    await expect(inPark).toHaveAttribute('data-value', String(before));
  } finally {
    g.close();
  }
});

test('a zone crossing its warning line raises an alarm that an operator acknowledges', async ({
  page,
  baseURL,
  request,
}) => {
  await signIn(page.context().request, 'operator@demo.tidewatch');
  await page.goto('/command-center');
  await expect(page.locator('main[data-loading-state="loaded"]')).toBeVisible();
  // The lodge holds 400 and warns at 85%: 345 guests walk in through its handheld gate.
  const codes = await sell(request, 'WINDOW-1', 345);
  const g = await gate(baseURL!, 'HT-01');
  try {
    const stamp = Date.now();
    const res = await g.timeout(60_000).emitWithAck('scan:batch', {
      scans: codes.map((code, i) => ({
        id: `hotel-${stamp}-${i}`,
        code,
        direction: 'in',
        at: new Date().toISOString(),
      })),
    });
    expect(res.results.filter((r: { result: string }) => r.result === 'admit')).toHaveLength(345);
  } finally {
    g.close();
  }
  const alarm = page.locator('.alarm[data-kind="capacity"][data-state="active"]').first();
  await expect(alarm).toBeVisible({ timeout: 30_000 });
  await page.screenshot({ path: 'docs/screenshots/wall-1920x1080.png' });
  await alarm.getByRole('button', { name: '确认' }).click();
  await page.getByLabel('备注（可选）').fill('已派工作人员疏导 e2e');
  await page.getByLabel('备注（可选）').press('Enter');
  await expect(page.locator('.alarm[data-kind="capacity"][data-state="acknowledged"]').first()).toContainText(
    'operator@demo.tidewatch',
  );
});

test("a manager's channel pause on the tablet makes the channel API answer 429, and it is audited", async ({
  browser,
  baseURL,
  request,
}) => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, hasTouch: true });
  const page = await context.newPage();
  await signIn(context.request, 'manager@demo.tidewatch');
  await page.goto('/controls');
  await expect(page.locator('main[data-loading-state="loaded"]')).toBeVisible();
  await page.getByTestId('reason').fill('OTA 超卖风险 e2e');
  const toggle = page.getByTestId('pause-CTRIP');
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await toggle.tap();
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await page.screenshot({ path: 'docs/screenshots/controls-tablet-1024x768.png' });
  const auth = { authorization: `Bearer ${creds.channels.CTRIP}` };
  const body = { ref: `e2e-paused-${Date.now()}`, items: [{ type: 'TWO-DAY', qty: 1, date: today() }], amount: 0 };
  const catalog = await (await request.get(`/api/channels/catalog?date=${today()}`, { headers: auth })).json();
  body.amount = catalog.types.find((t: { code: string }) => t.code === 'TWO-DAY').price;
  await expect
    .poll(async () => (await request.post('/api/channels/orders', { headers: auth, data: body })).status())
    .toBe(429);
  const admin = await playwrightRequest.newContext({ baseURL });
  await signIn(admin, 'admin@demo.tidewatch');
  const audit = await (
    await admin.get(`/api/trpc/admin.audit?input=${encodeURIComponent(JSON.stringify({ json: { limit: 50 } }))}`)
  ).json();
  const row = audit.result.data.json.find((r: { action: string }) => r.action === 'control.channel');
  expect(row).toMatchObject({
    actor_label: 'manager@demo.tidewatch',
    reason: 'OTA 超卖风险 e2e',
    before: { paused: false },
    after: { paused: true },
  });
  await toggle.tap();
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await admin.dispose();
  await context.close();
});

test('kiosk mode shows the wall without navigation or edit controls', async ({ page }) => {
  await signIn(page.context().request, 'operator@demo.tidewatch');
  await page.goto('/command-center?kiosk=1');
  await expect(page.locator('main[data-loading-state="loaded"]')).toBeVisible();
  await expect(page.locator('header.app-header')).toHaveCount(0);
  await expect(page.locator('.alarm button')).toHaveCount(0);
  await page.screenshot({ path: 'docs/screenshots/wall-kiosk-1920x1080.png' });
  await page.setViewportSize({ width: 3840, height: 2160 });
  await expect(page.locator('main[data-loading-state="loaded"]')).toBeVisible();
  await page.screenshot({ path: 'docs/screenshots/wall-kiosk-3840x2160.png' });
});

test('an unattended wall renews its sign-in, so it outlives one session', async ({ page }) => {
  await signIn(page.context().request, 'operator@demo.tidewatch');
  // The page's clock is ours to move: half an hour passes in a moment.
  await page.clock.install();
  await page.goto('/command-center?kiosk=1');
  await expect(page.locator('main[data-loading-state="loaded"]')).toBeVisible();
  const renewal = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/session');
  await page.clock.fastForward(SESSION_RENEW_MS + 1_000);
  const res = await renewal;
  expect(res.status()).toBe(200);
  expect((await res.json()).user).toMatchObject({ email: 'operator@demo.tidewatch' });
  // next-auth answered with a fresh session cookie: the sign-in now ends 14 hours from now.
  expect(await res.headerValue('set-cookie')).toMatch(/next-auth\.session-token=/);
  await expect(page).toHaveURL(/\/command-center\?kiosk=1$/);
});
