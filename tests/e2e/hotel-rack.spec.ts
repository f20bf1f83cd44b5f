import { expect, type Page, test } from '@playwright/test';
import { signIn, trpcMutation } from './helpers.ts';
import { addDays } from '../../lib/venue-time.ts';

/**
 * The room rack and the housekeeping board (issue 13): the desk sees the demo lodge's stays on the
 * tape chart and moves an in-house guest to another room by keyboard alone (cursor with the arrows,
 * M, the room, a reason, Enter); the old room goes dirty, and a housekeeping user on a phone-sized
 * screen marks it clean. Screenshots of both screens.
 */

async function openRack(page: Page) {
  await page.goto('/hotel/rack');
  await expect(page.getByTestId('rack-screen')).toHaveAttribute('data-loading-state', 'loaded');
  await expect(page.getByTestId('rack-bar').first()).toBeVisible();
}

test('the desk moves an in-house stay on the rack by keyboard, and housekeeping cleans the room it left', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const desk = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1600, height: 1000 } });
  await desk.addCookies([{ name: 'tw-locale', value: 'zh-CN', url: baseURL! }]);
  await signIn(desk.request, 'frontdesk@demo.tidewatch');
  const page = await desk.newPage();
  await openRack(page);
  // The demo lodge's stays around today: in house, arriving and departing ones are on the chart.
  await expect(page.locator('[data-testid=rack-bar][data-state=checked_in]').first()).toBeVisible();
  await expect(page.locator('[data-testid=rack-bar][data-state=confirmed]').first()).toBeVisible();
  await expect(page.getByTestId('rack-legend')).toBeVisible();

  // An in-house stay: its row; the rack starts at tonight, so its bar covers the first column.
  const bar = page.locator('[data-testid=rack-bar][data-state=checked_in]').first();
  const stayId = await bar.getAttribute('data-stay');
  const fromRoom = (await bar.getAttribute('data-room'))!;
  const rooms = await page.getByTestId('rack-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-room')));
  const row = rooms.indexOf(fromRoom);
  expect(row).toBeGreaterThanOrEqual(0);

  await page.getByTestId('rack-grid').focus();
  for (let i = 0; i < row; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('rack-stay')).toContainText(fromRoom);
  await page.screenshot({ path: 'docs/screenshots/hotel-rack.zh.png' });

  await page.keyboard.press('m');
  const dialog = page.getByTestId('rack-move-dialog');
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('move-room')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  const toRoomId = await page.getByTestId('move-room').inputValue();
  const toRoom = (await page.getByTestId('move-room').locator(`option[value="${toRoomId}"]`).textContent())!.split(
    ' · ',
  )[0]!;
  await page.keyboard.press('Tab');
  await page.keyboard.type('空调故障');
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('rack-notice')).toContainText(toRoom);
  await expect(page.locator(`[data-testid=rack-row][data-room="${toRoom}"] [data-stay="${stayId}"]`)).toBeVisible();
  // From tonight the old room no longer holds the stay.
  await expect(page.locator(`[data-testid=rack-row][data-room="${fromRoom}"] [data-stay="${stayId}"]`)).toHaveCount(0);
  await desk.close();

  const en = await browser.newContext({ locale: 'en-US', viewport: { width: 1600, height: 1000 } });
  await en.addCookies([{ name: 'tw-locale', value: 'en', url: baseURL! }]);
  await signIn(en.request, 'frontdesk@demo.tidewatch');
  const enPage = await en.newPage();
  await openRack(enPage);
  await expect(enPage.getByTestId('rack-legend')).toContainText('Out of order');
  const screen = enPage.getByTestId('rack-screen');
  const venueId = Number(await screen.getAttribute('data-venue'));
  const tonight = (await enPage.locator('thead th[aria-current=date]').getAttribute('data-night'))!;

  // Enter on an empty night books the row's room type from that night and gives it that room.
  const night = addDays(tonight, 3);
  // Rows free on the three nights from then (the block below takes them).
  const freeRows = await enPage
    .getByTestId('rack-row')
    .evaluateAll(
      (rows, nights) =>
        rows
          .map((r, i) => (nights.every((n) => r.querySelector(`[data-testid=rack-free][data-night="${n}"]`)) ? i : -1))
          .filter((i) => i >= 0),
      [night, addDays(night, 1), addDays(night, 2)],
    );
  const bookRow = freeRows[0]!;
  const bookRoom = await enPage.getByTestId('rack-row').nth(bookRow).getAttribute('data-room');
  await enPage.getByTestId('rack-grid').focus();
  for (let i = 0; i < bookRow; i++) await enPage.keyboard.press('ArrowDown');
  for (let i = 0; i < 3; i++) await enPage.keyboard.press('ArrowRight');
  await enPage.keyboard.press('Enter');
  await expect(enPage.getByTestId('rack-book-dialog')).toBeVisible();
  await expect(enPage.getByTestId('book-name')).toBeFocused();
  await enPage.keyboard.type('Rack Guest');
  await enPage.keyboard.press('Tab');
  await enPage.keyboard.type('13800001111');
  await enPage.keyboard.press('Enter');
  await expect(enPage.getByTestId('rack-notice')).toContainText(`room ${bookRoom}`);
  await expect(
    enPage.locator(`[data-testid=rack-row][data-room="${bookRoom}"] [data-testid=rack-bar]`, { hasText: 'Rack Guest' }),
  ).toBeVisible();

  // An out-of-order block (housekeeping's, through the API here) shows on the chart.
  const blockRow = enPage.getByTestId('rack-row').nth(freeRows[1]!);
  const blocked = await trpcMutation(en.request, 'hotel.blockRoom', {
    venueId,
    roomId: Number(await blockRow.getAttribute('data-room-id')),
    kind: 'out_of_order',
    from: night,
    to: addDays(night, 3),
    reason: 'Leaking pipe',
  });
  expect(blocked.status).toBe(200);
  await enPage.reload();
  await expect(enPage.getByTestId('rack-screen')).toHaveAttribute('data-loading-state', 'loaded');
  await expect(blockRow.getByTestId('rack-block')).toContainText('Leaking pipe');
  await enPage.screenshot({ path: 'docs/screenshots/hotel-rack.en.png' });
  await en.close();

  // Housekeeping on a phone: the room the guest left is dirty; one tap makes it clean.
  const phone = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, hasTouch: true });
  await phone.addCookies([{ name: 'tw-locale', value: 'zh-CN', url: baseURL! }]);
  await signIn(phone.request, 'housekeeping@demo.tidewatch');
  const hk = await phone.newPage();
  await hk.goto('/housekeeping');
  await expect(hk.getByTestId('housekeeping-screen')).toHaveAttribute('data-loading-state', 'loaded');
  await hk.getByTestId('hk-filter-dirty').tap();
  const card = hk.locator(`[data-testid=hk-room][data-room="${fromRoom}"]`);
  await expect(card.getByTestId('hk-state')).toHaveText('待清洁');
  const target = await card.getByTestId('hk-mark-clean').boundingBox();
  expect(target!.height).toBeGreaterThanOrEqual(44);
  await card.scrollIntoViewIfNeeded();
  await hk.screenshot({ path: 'docs/screenshots/housekeeping.zh.png' });
  await card.getByTestId('hk-mark-clean').tap();
  await expect(hk.getByTestId('hk-notice')).toContainText(fromRoom);
  // Under the "dirty" filter a clean room leaves the list; under "all" it shows clean.
  await expect(card).toHaveCount(0);
  await hk.getByTestId('hk-filter-all').tap();
  await expect(hk.locator(`[data-testid=hk-room][data-room="${fromRoom}"]`).getByTestId('hk-state')).toHaveText(
    '已清洁',
  );
  await phone.close();
});
