import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type Browser,
  type BrowserContext,
  expect,
  type Page,
  request as playwrightRequest,
  test,
} from '@playwright/test';
import type { DemoCredentials } from '../../server/services/seed.ts';
import { connectGate, DEMO_PASSWORD, signIn, trpcMutation, trpcQuery } from './helpers.ts';

/**
 * The hotel front desk (酒店前台) by keyboard alone after sign-in, on the demo lodge: book a
 * stay-and-ski package for 2 guests and 2 nights, check in with both ID numbers and a deposit,
 * post a minibar extra, move the room, run the night audit from its screen (the business date is
 * the hotel's own: only the audit moves it), depart early, settle and check out. The folio and the
 * states are read on the screen. Screenshots of the today board and the folio (zh, en).
 *
 * Its night audit moves the demo lodge's business date on for the rest of the run (the demo's
 * arrivals become no-shows): the specs that read the demo's stays run before it (files run in name
 * order: hotel-rack before hotel-stay), and the wall's hotel spec books its own stay.
 */

test.describe.configure({ mode: 'serial' });

const CLERK = 'hotel-e2e@desk.test';
const PHONE = `138${String(Date.now()).slice(-8)}`;
const GUEST = '周小川';
const shot = (name: string) => path.join('docs', 'screenshots', name);

/** A valid resident ID number (GB 11643 check character) for a birth date and sequence. */
function idNumber(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}
const ID_1 = idNumber('11010519850312001');
const ID_2 = idNumber('11010519870706002');

async function clerkContext(browser: Browser, baseURL: string, locale: 'zh-CN' | 'en'): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1600, height: 1000 } });
  await context.addCookies([{ name: 'tw-locale', value: locale, url: baseURL }]);
  await signIn(context.request, CLERK);
  return context;
}

test.beforeAll(async ({ baseURL }) => {
  const admin = await playwrightRequest.newContext({ baseURL });
  await signIn(admin, 'admin@demo.tidewatch');
  const user = await trpcMutation(admin, 'admin.createUser', {
    email: CLERK,
    name: '酒店前台 E2E',
    role: 'frontdesk',
    password: DEMO_PASSWORD,
    venues: ['YUNLING'],
  });
  expect(user.status).toBe(200);
  await admin.dispose();
});

/** Types into the focused field after clearing it. */
async function retype(page: Page, text: string) {
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(text);
}

test('a lodge clerk books a package, checks in, posts, moves, audits, departs early and checks out by keyboard', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const context = await clerkContext(browser, baseURL!, 'zh-CN');
  const page = await context.newPage();
  await page.goto('/hotel');
  await expect(page.getByTestId('hotel-search')).toBeFocused();
  const businessDate = ((await page.getByTestId('hotel-business-date').textContent()) ?? '').match(
    /\d{4}-\d{2}-\d{2}/,
  )![0];
  await expect(page.getByTestId('hotel-count-inHouse')).not.toHaveText('');
  await page.screenshot({ path: shot('hotel-today.zh.png') });
  const arrivals = Number(await page.getByTestId('hotel-count-arrivals').textContent());

  // Book (F7): STD-K, the SKI package (third plan), 2 nights, 2 adults, name and phone; no deposit yet.
  await page.keyboard.press('F7');
  const booking = page.getByTestId('hotel-booking');
  await expect(booking).toBeVisible();
  await expect(page.getByTestId('booking-type')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('booking-plan')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('booking-plan')).toHaveValue('SKI');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter'); // arrival: the business date
  await expect(page.getByTestId('booking-check-out')).toBeFocused();
  const departure = new Date(`${businessDate}T00:00:00Z`);
  departure.setUTCDate(departure.getUTCDate() + 2);
  await retype(page, departure.toISOString().slice(0, 10));
  await page.keyboard.press('Enter');
  await retype(page, '2');
  await page.keyboard.press('Enter');
  await retype(page, '0');
  await page.keyboard.press('Enter');
  await page.keyboard.type(GUEST);
  await page.keyboard.press('Enter');
  await page.keyboard.type(PHONE);
  await expect(booking.getByTestId('booking-availability')).toContainText(/余/);
  await booking.screenshot({ path: shot('hotel-booking.zh.png') });
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('booking-deposit-method')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('booking-deposit-amount')).toBeFocused();
  // Enter twice: the client ref makes it one booking.
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  const stay = page.getByTestId('hotel-stay');
  await expect(stay).toHaveAttribute('data-state', 'confirmed');
  await expect(page.getByTestId('hotel-count-arrivals')).toHaveText(String(arrivals + 1));
  await expect(page.getByTestId('stay-dates')).toContainText(departure.toISOString().slice(0, 10));
  await expect(page.getByTestId('stay-tickets')).toContainText('有效 4');

  // The package's park ticket of today, at the main gate: not yet (the stay is not checked in).
  const creds = JSON.parse(
    readFileSync(path.join(process.env.E2E_DATA_DIR!, 'demo-credentials.json'), 'utf8'),
  ) as DemoCredentials;
  const me = await trpcQuery<{ venues: { id: number; code: string }[] }>(context.request, 'system.me');
  const venueId = me.venues.find((v) => v.code === 'YUNLING')!.id;
  const stayId = Number(await stay.getAttribute('data-stay-id'));
  const orderId = Number(await stay.getAttribute('data-order-id'));
  const booked = await trpcQuery<{ tickets: { code: string; date: string }[] }>(context.request, 'hotel.stay', {
    venueId,
    stayId,
  });
  const todays = booked.tickets.find((x) => x.date === businessDate)!;
  expect(todays, 'a package ticket for the arrival day').toBeTruthy();
  const gate = await connectGate(baseURL!, creds, 'MG-01');
  let scans = 0;
  const scan = async () =>
    (await gate.emitWithAck('scan', {
      id: `hs-${stayId}-${++scans}`,
      code: todays.code,
      direction: 'in',
      at: new Date().toISOString(),
    })) as { result?: string; reason?: string };
  expect(await scan()).toMatchObject({ result: 'reject', reason: 'not_activated' });

  // Check in (Alt+I): both guests' names and ID numbers (a reader types the number and Enter), the room suggested, a deposit.
  await page.keyboard.press('Alt+KeyI');
  const checkIn = page.getByTestId('hotel-checkin');
  await expect(checkIn).toBeVisible();
  await expect(page.getByTestId('checkin-guest-1-name')).toHaveValue(GUEST);
  await page.keyboard.press('Enter');
  await page.keyboard.type(ID_1);
  await page.keyboard.press('Enter');
  await page.keyboard.type('李小梅');
  await page.keyboard.press('Enter');
  await page.keyboard.type(ID_2);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('checkin-room')).toBeFocused();
  const firstRoom = (await page.getByTestId('checkin-room').locator('option:checked').textContent()) ?? '';
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter'); // cash
  await page.keyboard.type('200');
  await checkIn.screenshot({ path: shot('hotel-checkin.zh.png') });
  await page.keyboard.press('Enter');
  await expect(stay).toHaveAttribute('data-state', 'checked_in');
  await expect(page.getByTestId('stay-room')).toHaveText(firstRoom.split(' ·')[0]);
  await expect(page.getByTestId('stay-guests')).toContainText('李小梅');
  await expect(page.getByTestId('stay-guests')).not.toContainText(ID_2);
  await expect(page.getByTestId('stay-folio').locator('[data-kind="deposit"]')).toHaveCount(1);
  // Checked in: the same ticket now admits.
  expect(await scan()).toMatchObject({ result: 'admit' });
  gate.close();

  // Post an extra (Alt+X): minibar, 2 x 15 yuan.
  await page.keyboard.press('Alt+KeyX');
  await expect(page.getByTestId('hotel-extra')).toBeVisible();
  await page.keyboard.press('Enter');
  await page.keyboard.type('矿泉水');
  await page.keyboard.press('Enter');
  await page.keyboard.type('Mineral water');
  await page.keyboard.press('Enter');
  await retype(page, '2');
  await page.keyboard.press('Enter');
  await page.keyboard.type('15');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('stay-folio').locator('[data-kind="extra"]')).toContainText('矿泉水');

  // Move the room (Alt+M): the suggestion, with a reason.
  await page.keyboard.press('Alt+KeyM');
  await expect(page.getByTestId('hotel-move')).toBeVisible();
  const newRoom = ((await page.getByTestId('move-room').locator('option:checked').textContent()) ?? '').split(' ·')[0];
  await page.keyboard.press('Enter');
  await page.keyboard.type('客人要求安静房间');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('stay-room')).toHaveText(newRoom);
  expect(newRoom).not.toBe(firstRoom.split(' ·')[0]);
  const orderCode = ((await stay.locator('h2').textContent()) ?? '').split(' ·')[0].trim();

  // The night audit (F8, then F9 and Enter): tonight's room charge is posted and the business date moves on.
  await page.keyboard.press('F8');
  await expect(page.getByTestId('hotel-night-audit')).toBeVisible();
  await page.keyboard.press('F9');
  await expect(page.getByTestId('audit-confirm')).toBeVisible();
  await page.keyboard.press('Enter');
  const report = page.getByTestId('audit-report');
  await expect(report).toBeVisible();
  const next = new Date(`${businessDate}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  const nextDate = next.toISOString().slice(0, 10);
  await expect(page.getByTestId('audit-new-date')).toHaveText(nextDate);
  await expect(page.getByTestId('hotel-business-date')).toContainText(nextDate);
  await expect(page.getByTestId('audit-history')).toContainText(businessDate);
  // The demo's arrivals of the day did not come: no-shows, each with its rate plan's fee.
  await expect(page.getByTestId('audit-no-shows')).toContainText('¥');
  await page.screenshot({ path: shot('hotel-night-audit.zh.png') });

  // Back to today (F2): find the stay by its order code, open it, depart early (Alt+D).
  await page.keyboard.press('F2');
  await expect(page.getByTestId('hotel-search')).toBeFocused();
  await page.keyboard.type(orderCode);
  await expect(page.getByTestId('hotel-list-inHouse').getByTestId('hotel-line')).toHaveCount(1);
  await page.keyboard.press('Enter');
  await expect(stay).toHaveAttribute('data-state', 'checked_in');
  await expect(page.getByTestId('stay-folio').locator('[data-kind="room_night"]')).toHaveCount(1);
  await page.keyboard.press('Alt+KeyD');
  await expect(page.getByTestId('hotel-departEarly')).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('stay-dates')).toContainText(`→ ${nextDate}`);
  await expect(page.getByTestId('stay-tickets')).toContainText('已作废 2');
  await expect(page.getByTestId('stay-folio').locator('[data-kind="correction"]')).not.toHaveCount(0);

  // Settle (Alt+P, the balance is offered) and check out (Alt+O) at a zero balance.
  await page.keyboard.press('Alt+KeyP');
  await expect(page.getByTestId('hotel-payment')).toBeVisible();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('stay-balance')).toHaveText('¥0.00');
  await expect(page.getByTestId('stay-folio').locator('[data-kind="payment"]')).toHaveCount(1);
  await stay.screenshot({ path: shot('hotel-folio.zh.png') });
  await page.keyboard.press('Alt+KeyO');
  await expect(page.getByTestId('hotel-checkout')).toBeVisible();
  await expect(page.getByTestId('checkout-balance')).toContainText('¥0.00');
  await page.keyboard.press('Enter');
  await expect(stay).toHaveAttribute('data-state', 'checked_out');
  await expect(page.getByTestId('stay-state')).toHaveText('已退房');

  // The folio on A4 (Alt+B), both languages on each line, drawn into the page for the print stylesheet.
  await page.keyboard.press('Alt+KeyB');
  const folio = page.getByTestId('print-folio');
  await expect(folio).toContainText('Mineral water');
  await expect(folio).toContainText('矿泉水');
  await page.emulateMedia({ media: 'print' });
  await folio.screenshot({ path: shot('hotel-folio-print.png') });
  await page.emulateMedia({ media: 'screen' });

  // The guest's journey shows it all in order: the booking, the refused and the admitted entry,
  // the check-in, the folio's lines, the check-out.
  await page.goto(`/guests/o-${orderId}`);
  const entries = page.getByTestId('journey-entry');
  await expect(entries.first()).toBeVisible();
  const kinds = await entries.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
  const at = (k: string) => kinds.indexOf(k);
  for (const k of ['order', 'rejected', 'entry', 'checkIn', 'folio', 'checkOut']) expect(kinds, k).toContain(k);
  expect(at('order')).toBeLessThan(at('rejected'));
  expect(at('rejected')).toBeLessThan(at('entry'));
  expect(at('checkIn')).toBeLessThan(at('entry'));
  expect(kinds.lastIndexOf('checkOut')).toBeGreaterThan(at('checkIn'));
  await context.close();
});

test('the today board in English', async ({ browser, baseURL }) => {
  const context = await clerkContext(browser, baseURL!, 'en');
  const page = await context.newPage();
  await page.goto('/hotel');
  await expect(page.getByTestId('hotel-list-arrivals')).toContainText('Arrivals');
  await expect(page.getByTestId('hotel-search')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await page.screenshot({ path: shot('hotel-today.en.png') });

  // An in-house guest's stay opened from the board: its folio in English.
  await page.getByTestId('hotel-list-inHouse').getByTestId('hotel-line').first().click();
  const stay = page.getByTestId('hotel-stay');
  await expect(stay).toHaveAttribute('data-state', 'checked_in');
  await expect(page.getByTestId('stay-state')).toHaveText('Checked in');
  await expect(page.getByTestId('stay-folio').locator('[data-kind="deposit"]')).not.toHaveCount(0);
  await stay.screenshot({ path: shot('hotel-folio.en.png') });
  await context.close();
});
