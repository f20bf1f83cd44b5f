import { expect, request as playwrightRequest, test } from '@playwright/test';
import { readDemoCredentials, type DemoCredentials } from '../../server/services/seed.ts';
import { connectGate, signIn, today, WALL_LOAD } from './helpers.ts';

let creds: DemoCredentials;

test.beforeAll(() => {
  creds = readDemoCredentials(process.env.E2E_DATA_DIR!)!;
  expect(creds, 'demo credentials written by the e2e setup').toBeTruthy();
});

/**
 * A manager closes the ropeway on the tablet: the closing asks for a note first, the ropeway's
 * boarding gates refuse rides at once (whatever the time of day: a closure is refused before the
 * opening hours are looked at), the change is audited with the note, and a tap reopens it.
 */
test('a manager closes the ropeway with a note on the tablet, its gates refuse rides, and it reopens', async ({
  browser,
  baseURL,
  request,
}) => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, hasTouch: true });
  const page = await context.newPage();
  await signIn(context.request, 'manager@demo.tidewatch');
  await page.goto('/controls');
  await expect(page.locator('main[data-loading-state="loaded"]')).toBeVisible(WALL_LOAD);
  const row = page.locator('[data-attraction="ROPEWAY"]');
  await expect(row).toHaveAttribute('data-closed', '0');
  const toggle = page.getByTestId('attraction-ROPEWAY');
  await expect(toggle).toHaveAttribute('aria-checked', 'true');

  await toggle.tap();
  const confirm = page.getByTestId('confirm-close-ROPEWAY');
  await expect(confirm).toBeDisabled();
  await page.getByTestId('close-note-ROPEWAY').fill('大风停运 e2e');
  await confirm.tap();
  await expect(row).toHaveAttribute('data-closed', '1');
  await expect(page.getByTestId('note-ROPEWAY')).toContainText('大风停运 e2e');
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await row.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'docs/screenshots/controls-attractions-1024x768.png' });

  // A ropeway ticket at a lower-station boarding gate.
  const auth = { authorization: `Bearer ${creds.channels.WECHAT}` };
  const catalog = await (await request.get(`/api/channels/catalog?date=${today()}`, { headers: auth })).json();
  const price = catalog.types.find((t: { code: string }) => t.code === 'ROPEWAY').price;
  const order = await request.post('/api/channels/orders', {
    headers: auth,
    data: { ref: `e2e-ropeway-${Date.now()}`, items: [{ type: 'ROPEWAY', qty: 1, date: today() }], amount: price },
  });
  expect(order.status()).toBe(201);
  const [ticket] = (await order.json()).tickets.map((t: { code: string }) => t.code);
  const gate = await connectGate(baseURL!, creds, 'RL-01');
  try {
    await expect
      .poll(
        async () =>
          (
            await gate.emitWithAck('scan', {
              id: `e2e-ropeway-${Date.now()}`,
              code: ticket,
              direction: 'in',
              at: new Date().toISOString(),
            })
          ).reason,
      )
      .toBe('attraction_closed');
  } finally {
    gate.close();
  }

  const admin = await playwrightRequest.newContext({ baseURL });
  await signIn(admin, 'admin@demo.tidewatch');
  const audit = await (
    await admin.get(`/api/trpc/admin.audit?input=${encodeURIComponent(JSON.stringify({ json: { limit: 50 } }))}`)
  ).json();
  expect(audit.result.data.json.find((r: { action: string }) => r.action === 'control.attraction')).toMatchObject({
    actor_label: 'manager@demo.tidewatch',
    subject_id: 'ROPEWAY',
    reason: '大风停运 e2e',
    before: { closed: false },
    after: { closed: true, note: '大风停运 e2e' },
  });
  await admin.dispose();

  await toggle.tap();
  await expect(row).toHaveAttribute('data-closed', '0');
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await context.close();
});
