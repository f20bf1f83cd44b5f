import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, request as playwrightRequest, test } from '@playwright/test';
import type { DemoCredentials } from '../../server/services/seed.ts';
import { signIn, today } from './helpers.ts';

/**
 * A tour group at the check-in desk (团体检票), by keyboard: an OTA sold a group of 12 with its
 * guide; the cashier scans the guide's group code, types the headcount the guide states (10, two
 * are late) and presses Enter; the order desk then shows 10 of 12 arrived. Screenshots in Chinese.
 */

test('a group is let in by headcount at the check-in desk, and the order shows arrived against booked', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const creds = JSON.parse(
    readFileSync(path.join(process.env.E2E_DATA_DIR!, 'demo-credentials.json'), 'utf8'),
  ) as DemoCredentials;
  const api = await playwrightRequest.newContext({ baseURL });
  const auth = { authorization: `Bearer ${creds.channels.CTRIP}` };
  const catalog = await (await api.get(`/api/channels/catalog?date=${today()}`, { headers: auth })).json();
  const price = catalog.types.find((t: { code: string }) => t.code === 'TWO-DAY').price;
  const res = await api.post('/api/channels/orders', {
    headers: auth,
    data: {
      ref: `e2e-group-${Date.now()}`,
      items: [{ type: 'TWO-DAY', qty: 12, date: today() }],
      amount: price * 12,
      group: { guideName: '导游王', guidePhone: '13912345678' },
    },
  });
  expect(res.status()).toBe(201);
  const { groupCode, orderCode } = (await res.json()) as { groupCode: string; orderCode: string };
  expect(groupCode).toMatch(/^G/);
  await api.dispose();

  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 768 } });
  await context.addCookies([{ name: 'tw-locale', value: 'zh-CN', url: baseURL! }]);
  await signIn(context.request, 'frontdesk@demo.tidewatch');
  const page = await context.newPage();
  await page.goto('/front-desk/check-in');
  const input = page.getByTestId('checkin-input');
  await expect(input).toBeFocused();
  // A main gate for entries.
  await page.keyboard.press('Alt+G');
  // The main gate's group lane (a handheld there).
  await page.getByTestId('checkin-gate').selectOption({ label: 'MG-08 · 南门团队/无障碍通道' });
  await page.keyboard.press('Enter');
  await expect(input).toBeFocused();
  await page.keyboard.type(groupCode);
  await page.keyboard.press('Enter');
  const panel = page.getByTestId('checkin-group');
  await expect(panel).toHaveAttribute('data-group-code', groupCode);
  await expect(page.getByTestId('checkin-group-admissible')).toHaveAttribute('data-count', '12');
  const count = page.getByTestId('checkin-group-count');
  await expect(count).toBeFocused();
  await page.keyboard.type('10');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('checkin-outcome')).toHaveAttribute('data-result', 'admit');
  await expect(page.getByTestId('checkin-outcome')).toContainText('10/10');
  await expect(page.getByTestId('checkin-group-headcount')).toContainText('10 / 12');
  await page.screenshot({ path: path.join('docs', 'screenshots', 'front-desk-group.zh.png') });

  // The order desk: 10 of 12 arrived.
  await page.keyboard.press('F3');
  await expect(page.getByTestId('order-search')).toBeFocused();
  await page.keyboard.type(orderCode);
  await expect(page.getByTestId('search-result').first()).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('order-group-headcount')).toContainText('10 / 12');
  await context.close();
});
