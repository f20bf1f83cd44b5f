import { expect, request as playwrightRequest, test } from '@playwright/test';
import { io } from 'socket.io-client';
import { signIn, trpcMutation, WALL_LOAD } from './helpers.ts';

test('an operator watches gates_online follow a device the test connects', async ({ page, baseURL }) => {
  await signIn(page.context().request, 'operator@demo.tidewatch');
  await page.goto('/command-center');
  await expect(page.locator('main[data-loading-state="loaded"]')).toBeVisible(WALL_LOAD);
  const tile = page.locator('[data-kpi="gates_online"]');
  const before = Number(await tile.getAttribute('data-value'));

  // An administrator issues a device token for gate MG-05, as they would from the admin page.
  const admin = await playwrightRequest.newContext({ baseURL });
  await signIn(admin, 'admin@demo.tidewatch');
  const created = await trpcMutation(admin, 'admin.createDevice', { gate: 'MG-05' });
  expect(created.status).toBe(200);

  const device = io(`${baseURL}/gates`, {
    auth: { token: created.data.token },
    transports: ['websocket'],
    reconnection: false,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      device.once('connect', resolve);
      device.once('connect_error', reject);
    });
    expect(await device.emitWithAck('heartbeat', { at: new Date().toISOString(), queue: 0 })).toMatchObject({
      ok: true,
    });
    await expect(tile).toHaveAttribute('data-value', String(before + 1));
    await expect(page.locator('tr[data-gate="MG-05"]')).toHaveAttribute('data-online', '1');
    await page.screenshot({ path: 'docs/screenshots/command-center.png' });
  } finally {
    device.close();
  }
  await expect(tile).toHaveAttribute('data-value', String(before));
  await admin.dispose();
});

test('a front-desk user is refused admin pages and admin procedures', async ({ page }) => {
  await signIn(page.context().request, 'frontdesk@demo.tidewatch');
  await page.goto('/admin');
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await page.goto('/command-center');
  await expect(page.getByTestId('forbidden')).toBeVisible();
  const res = await trpcMutation(page.context().request, 'admin.createDevice', { gate: 'MG-01' });
  expect(res.status).toBe(403);
  const list = await page.context().request.get('/api/trpc/admin.users');
  expect(list.status()).toBe(403);
});

test('signed-out visitors are sent to sign-in, and the form explains a wrong password', async ({ page }) => {
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fadmin/);
  await page.locator('input[name=email]').fill('admin@demo.tidewatch');
  await page.locator('input[name=password]').fill('wrong password');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('signin-error')).toHaveAttribute('data-code', 'invalid_credentials');
  await page.locator('input[name=password]').fill('tidewatch-demo');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('tab').first()).toBeVisible();
});

test('the language choice is remembered', async ({ page }) => {
  await page.goto('/sign-in');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('button', { name: '登录' })).toBeVisible();
  await page.getByTestId('language-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
});
