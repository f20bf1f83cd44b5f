import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type APIRequestContext, expect, request as playwrightRequest, test } from '@playwright/test';
import type { TScanAck } from '../../lib/schemas/scan.ts';
import { addDays } from '../../lib/venue-time.ts';
import { connectGate, signIn, today, trpcMutation } from './helpers.ts';
import { idWithCheck } from '../helpers/id-card.ts';

/**
 * One guest's journey from the order desk (docs/guest-journey.md): a visitor buys a ticket online
 * with their phone, enters at the main gate, and books and checks in at the lodge with the same
 * phone. At the order desk the phone finds the orders; Alt+J opens the journey of the active one,
 * which lists the order, the gate entry and the stay, by keyboard. Screenshots in both languages.
 */

test.describe.configure({ mode: 'serial' });

const PHONE = `137${String(Date.now()).slice(-8)}`;
const shot = (name: string) => path.join('docs', 'screenshots', name);

const GUEST_ID = idWithCheck(`44010619920315${String(Date.now()).slice(-3)}`);

async function trpcQuery(api: APIRequestContext, p: string, input: unknown) {
  const res = await api.get(`/api/trpc/${p}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  const body = await res.json();
  return { status: res.status(), data: body.result?.data?.json, error: body.error?.json };
}

test.beforeAll(async ({ baseURL }) => {
  const creds = JSON.parse(readFileSync(path.join(process.env.E2E_DATA_DIR!, 'demo-credentials.json'), 'utf8'));
  const api = await playwrightRequest.newContext({ baseURL });
  // Online, with the phone and the ID number: one all-day ticket.
  const bought = await api.post('/api/channels/orders', {
    headers: { authorization: `Bearer ${creds.channels.WECHAT}` },
    data: {
      ref: `journey-${Date.now()}`,
      items: [{ type: 'DAY-ADULT', qty: 1, date: today() }],
      customer: { name: '赵一舟', phone: PHONE, idNumber: GUEST_ID },
      amount: 100,
    },
  });
  expect(bought.status()).toBe(201);
  const [ticket] = (await bought.json()).tickets as { code: string }[];
  const gate = await connectGate(baseURL!, creds, 'MG-01');
  const ack = (await gate.emitWithAck('scan', {
    id: `journey-${Date.now()}`,
    code: ticket.code,
    direction: 'in',
    at: new Date().toISOString(),
  })) as TScanAck;
  expect(ack).toMatchObject({ result: 'admit' });
  gate.close();

  // The lodge, booked at the desk with the same phone, checked in with the ID number.
  const desk = await playwrightRequest.newContext({ baseURL });
  await signIn(desk, 'frontdesk@demo.tidewatch');
  const venueId = (await trpcQuery(desk, 'system.me', null)).data.venues[0].id as number;
  const [lodge] = (await trpcQuery(desk, 'hotel.hotels', { venueId })).data as {
    id: number;
    roomTypes: { code: string }[];
    ratePlans: { code: string; kind: string }[];
  }[];
  const booked = await trpcMutation(desk, 'hotel.book', {
    venueId,
    hotelId: lodge.id,
    ref: `journey-stay-${Date.now()}`,
    roomType: lodge.roomTypes[0].code,
    ratePlan: lodge.ratePlans.find((p) => p.kind === 'room_only')!.code,
    checkIn: today(),
    checkOut: addDays(today(), 1),
    adults: 1,
    guest: { name: '赵一舟', phone: PHONE },
  });
  expect(booked.status, JSON.stringify(booked.error)).toBe(200);
  const stayId = booked.data.stay.id as number;
  const [room] = (await trpcQuery(desk, 'hotel.suggestRooms', { venueId, stayId })).data as { id: number }[];
  const checkedIn = await trpcMutation(desk, 'hotel.checkIn', {
    venueId,
    stayId,
    roomId: room.id,
    guests: [{ name: '赵一舟', idNumber: GUEST_ID }],
    deposit: { method: 'cash', amount: 300 },
  });
  expect(checkedIn.status, JSON.stringify(checkedIn.error)).toBe(200);
  await api.dispose();
  await desk.dispose();
});

for (const locale of ['zh-CN', 'en'] as const) {
  test(`from the order desk's search, Alt+J opens the journey: order, gate entry, stay (${locale})`, async ({
    browser,
    baseURL,
  }) => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 768 } });
    await context.addCookies([{ name: 'tw-locale', value: locale, url: baseURL! }]);
    await signIn(context.request, 'frontdesk@demo.tidewatch');
    const page = await context.newPage();
    await page.goto('/front-desk/orders');
    const search = page.getByTestId('order-search');
    await expect(search).toBeFocused();
    await page.keyboard.type(PHONE);
    await expect(page.getByTestId('search-result')).toHaveCount(2);
    // The newest first: the stay's reservation. Its journey is the same guest's.
    await page.keyboard.press('Alt+KeyJ');
    await expect(page).toHaveURL(/\/guests\/o-\d+$/);
    const journey = page.getByTestId('guest-journey');
    await expect(journey).toHaveAttribute('data-state', 'loaded');
    await expect(page.getByTestId('journey-names')).toHaveText('赵一舟');
    await expect(page.getByTestId('journey-phone')).toHaveText(`${PHONE.slice(0, 3)}****${PHONE.slice(-4)}`);
    await expect(page.getByTestId('journey-id')).toHaveText(`${GUEST_ID.slice(0, 6)}********${GUEST_ID.slice(14)}`);
    const kinds = await page
      .getByTestId('journey-entry')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds.filter((k) => k === 'order')).toHaveLength(2);
    expect(kinds).toContain('entry');
    expect(kinds).toContain('checkIn');
    expect(kinds.indexOf('entry')).toBeLessThan(kinds.indexOf('checkIn'));
    await expect(page.getByTestId('journey-stay-link').first()).toBeVisible();
    const html = await page.content();
    expect(html).not.toContain(GUEST_ID);
    expect(html).not.toContain(PHONE);

    // ↓ moves through the entries; the first is active at first.
    const active = () => page.locator('[data-testid="journey-entry"][data-active="1"]');
    await expect(active()).toHaveAttribute('data-index', '0');
    await page.keyboard.press('ArrowDown');
    await expect(active()).toHaveAttribute('data-index', '1');
    await page.keyboard.press('ArrowUp');
    await page.screenshot({ path: shot(`guest-journey.${locale === 'en' ? 'en' : 'zh'}.png`), fullPage: true });

    // Enter opens the first order at the order desk; Esc comes back to the desk's search from there.
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/front-desk\/orders\?q=/);
    await expect(page.getByTestId('order-detail-empty')).toHaveCount(0);
    await page.goBack();
    await expect(page.getByTestId('guest-journey')).toHaveAttribute('data-state', 'loaded');
    await page.keyboard.press('Escape');
    await expect(page).toHaveURL(/\/front-desk\/orders/);
    await context.close();
  });
}

test('a journey of no such record says so, and one that is not a record is refused', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  await context.addCookies([{ name: 'tw-locale', value: 'en', url: baseURL! }]);
  await signIn(context.request, 'frontdesk@demo.tidewatch');
  const page = await context.newPage();
  await page.goto('/guests/o-999999999');
  await expect(page.getByTestId('journey-error')).toContainText('No such guest');
  await page.goto(`/guests/${PHONE}`);
  await expect(page.getByTestId('journey-error')).toBeVisible();
  await context.close();
});
