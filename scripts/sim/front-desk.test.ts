import { describe, expect, it } from 'vitest';
import { addDays } from '../../lib/venue-time.ts';
import { SimClock } from './clock.ts';
import type { DeskClient } from './desk-client.ts';
import { deskMinute } from './desk-plan.ts';
import { LodgeDesk } from './front-desk.ts';
import { SimStats, ThrottledLog } from './stats.ts';

const TIMES = { checkInTime: '14:00:00', checkOutTime: '12:00:00' };

type TFakeStay = { id: number; state: string; checkIn: string; checkOut: string };

/**
 * The hotel's side of the desk's tRPC calls, as the server answers them (hotel.today's lists,
 * the night audit rolling the date and making the arrivals that did not come no-shows).
 */
function fakeHotel(businessDate: string, stays: TFakeStay[]) {
  const h = { businessDate, audits: [] as string[] };
  const line = (s: TFakeStay) => ({ ...s, lateArrival: false });
  const today = () => {
    const d = h.businessDate;
    return {
      businessDate: d,
      arrivals: stays.filter((s) => s.state === 'confirmed' && s.checkIn <= d && s.checkOut > d).map(line),
      inHouse: stays.filter((s) => s.state === 'checked_in' && s.checkOut > d).map(line),
      departures: stays
        .filter((s) => s.checkOut === d && (s.state === 'checked_in' || s.state === 'checked_out'))
        .map(line),
    };
  };
  const stay = (id: number) => stays.find((s) => s.id === id)!;
  const api = {
    system: { me: { query: async () => ({ user: { email: 'desk@test' }, venues: [{ id: 1, code: 'V' }] }) } },
    hotel: {
      hotels: { query: async () => [{ id: 7, code: 'LODGE', businessDate: h.businessDate, ...TIMES }] },
      today: { query: async () => today() },
      nightAudit: {
        mutate: async (i: { businessDate: string }) => {
          if (i.businessDate !== h.businessDate) throw new Error(`the business date is ${h.businessDate}`);
          for (const s of stays) if (s.state === 'confirmed' && s.checkIn <= h.businessDate) s.state = 'no_show';
          h.audits.push(h.businessDate);
          h.businessDate = addDays(h.businessDate, 1);
          return { ran: true };
        },
      },
      stay: {
        query: async (i: { stayId: number }) => ({
          ...stay(i.stayId),
          roomId: 1,
          roomType: 'STD',
          adults: 1,
          children: 0,
          customer: { name: '张三' },
          rates: [{ room: 400, plan: 0 }],
          balance: 0,
          folio: [],
        }),
      },
      checkIn: {
        mutate: async (i: { stayId: number }) => {
          stay(i.stayId).state = 'checked_in';
        },
      },
      checkOut: {
        mutate: async (i: { stayId: number }) => {
          stay(i.stayId).state = 'checked_out';
        },
      },
      postExtra: { mutate: async () => ({}) },
      postPayment: { mutate: async () => ({}) },
      postRefund: { mutate: async () => ({}) },
      rooms: { query: async () => ({ rooms: [] }) },
    },
  };
  const desk = {
    call: (request: (a: typeof api, o: { signal: AbortSignal }) => Promise<unknown>) =>
      request(api, { signal: new AbortController().signal }),
  } as unknown as DeskClient;
  return { h, desk };
}

describe('the lodge desk over days', () => {
  it('checks the day’s departures out before each night audit, so none is left in house past its date', async () => {
    // Two days behind (the demo was stopped), at 05:00 at the venue: the simulated day starts at
    // opening, before most departures' minute, and the desk has two audits to run one after the other.
    const now = Date.parse('2026-12-06T05:00:00+08:00');
    const clock = new SimClock(3600, 'Asia/Shanghai', () => now);
    const late = (from: number) => {
      let id = from;
      while (deskMinute(id, 'departure', TIMES) <= clock.simMinute()) id++;
      return id;
    };
    const first = late(1);
    const second = late(first + 1);
    const stays: TFakeStay[] = [
      { id: first, state: 'checked_in', checkIn: '2026-12-02', checkOut: '2026-12-04' },
      { id: second, state: 'checked_in', checkIn: '2026-12-03', checkOut: '2026-12-05' },
    ];
    const { h, desk } = fakeHotel('2026-12-04', stays);
    const stats = new SimStats();
    const ac = new AbortController();
    const running = new LodgeDesk({
      desk,
      clock,
      stats,
      tlog: new ThrottledLog(() => {}),
      venue: 'V',
      log: () => {},
    }).run(ac.signal);
    for (let i = 0; i < 100 && h.businessDate < '2026-12-06'; i++) await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await running;
    expect(h.audits).toEqual(['2026-12-04', '2026-12-05']);
    expect(stays.map((s) => s.state)).toEqual(['checked_out', 'checked_out']);
    expect(stats.desk).toMatchObject({ checkOuts: 2, audits: 2, errors: 0 });
  });
});
