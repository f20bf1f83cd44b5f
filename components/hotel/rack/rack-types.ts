import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../../server/trpc/root.ts';

/** The rack as `hotel.rack` returns it. */
export type TRack = inferRouterOutputs<AppRouter>['hotel']['rack'];
export type TRackRoom = TRack['rooms'][number];
export type TRackBar = TRackRoom['bars'][number];
export type TRackBlock = TRackRoom['blocks'][number];

/** What one cell of the grid (a room and a night) holds: the bar or block over it, or nothing. */
export type TCell =
  | { kind: 'bar'; bar: TRackBar; start: boolean }
  | { kind: 'block'; block: TRackBlock; start: boolean }
  | { kind: 'empty' };

/** The cells of a room's row, one per night; a bar wins over an out-of-service block on the same night. */
export function cellsOf(room: TRackRoom, nights: string[]): TCell[] {
  return nights.map((night, i) => {
    const bar = room.bars.find((b) => b.from <= night && b.to > night);
    if (bar) return { kind: 'bar', bar, start: i === 0 || bar.from === night };
    const block = room.blocks.find((b) => b.from <= night && b.to > night);
    if (block) return { kind: 'block', block, start: i === 0 || block.from === night };
    return { kind: 'empty' };
  });
}

/**
 * Rooms a stay can move to for [from, to): any other active room with no bar and no out-of-order
 * block then, as far as the rack shows (the server decides; it refuses a room taken past the
 * rack's last night). Same type first.
 */
export function freeRoomsFor(rack: TRack, stay: TRackBar & { roomId: number }, from: string): TRackRoom[] {
  const to = stay.checkOut;
  return rack.rooms
    .filter(
      (r) =>
        r.id !== stay.roomId &&
        r.active &&
        !r.bars.some((b) => b.from < to && b.to > from) &&
        !r.blocks.some((b) => b.kind === 'out_of_order' && b.from < to && b.to > from),
    )
    .sort((a, b) => {
      const own = rack.rooms.find((r) => r.id === stay.roomId)?.typeId;
      return (
        Number(b.typeId === own) - Number(a.typeId === own) || a.floor - b.floor || a.number.localeCompare(b.number)
      );
    });
}

/** The first night a move takes effect: tonight for an in-house guest, the arrival for one not here yet. */
export function moveFrom(stay: TRackBar, businessDate: string): string {
  return stay.state === 'checked_in' && stay.checkIn < businessDate ? businessDate : stay.checkIn;
}
