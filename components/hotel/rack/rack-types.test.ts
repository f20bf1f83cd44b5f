import { describe, expect, it } from 'vitest';
import { cellsOf, freeRoomsFor, moveFrom, type TRack, type TRackBar, type TRackRoom } from './rack-types.ts';

const nights = ['2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05'];

function bar(stayId: number, from: string, to: string, state: TRackBar['state'] = 'checked_in'): TRackBar {
  return {
    stayId,
    state,
    checkIn: from,
    checkOut: to,
    adults: 2,
    children: 0,
    lateArrival: false,
    orderCode: null,
    guest: null,
    ratePlan: 'RO',
    from,
    to,
  };
}

function room(id: number, typeId: number, bars: TRackBar[] = [], blocks: TRackRoom['blocks'] = []): TRackRoom {
  return {
    id,
    number: String(100 + id),
    floor: 1,
    typeId,
    roomType: `T${typeId}`,
    housekeeping: 'clean',
    active: true,
    bars,
    blocks,
  };
}

describe('room rack cells', () => {
  it('covers each night with the bar or block over it, marking where each starts', () => {
    const r = room(
      1,
      1,
      [bar(7, '2026-12-01', '2026-12-03')],
      [{ id: 3, kind: 'out_of_order', from: '2026-12-04', to: '2026-12-06', reason: 'pipe' }],
    );
    const cells = cellsOf(r, nights);
    expect(cells.map((c) => c.kind)).toEqual(['bar', 'empty', 'block', 'block']);
    // A bar begun before the first night starts at the first column.
    expect(cells[0]).toMatchObject({ kind: 'bar', start: true });
    expect(cells[2]).toMatchObject({ kind: 'block', start: true });
    expect(cells[3]).toMatchObject({ kind: 'block', start: false });
  });
});

describe('rooms a stay can move to', () => {
  const stay = { ...bar(7, '2026-12-01', '2026-12-04'), roomId: 1 };
  const rack = {
    businessDate: '2026-12-02',
    rooms: [
      room(1, 1, [stay]),
      room(2, 2),
      room(3, 1, [bar(8, '2026-12-03', '2026-12-05', 'confirmed')]),
      room(4, 1, [], [{ id: 1, kind: 'out_of_order', from: '2026-12-02', to: '2026-12-03', reason: 'x' }]),
      room(5, 1, [], [{ id: 2, kind: 'out_of_service', from: '2026-12-02', to: '2026-12-03', reason: 'lamp' }]),
      room(6, 1, [bar(9, '2026-11-30', '2026-12-02', 'checked_out')]),
    ],
  } as unknown as TRack;

  it('offers free rooms from tonight, its own type first, not its own room, a taken one or one out of order', () => {
    const from = moveFrom(stay, rack.businessDate);
    expect(from).toBe('2026-12-02');
    // Out of service stays sellable; a stay that left this morning frees the room tonight.
    expect(freeRoomsFor(rack, stay, from).map((r) => r.id)).toEqual([5, 6, 2]);
  });

  it('moves a stay not arrived yet for all its nights', () => {
    expect(moveFrom(bar(8, '2026-12-03', '2026-12-05', 'confirmed'), '2026-12-02')).toBe('2026-12-03');
  });
});
