import { pinyin } from 'pinyin-pro';
import { z } from 'zod';
import { listGates } from '../../../db/queries/gates.ts';
import { findShift, overrideReport } from '../../../db/queries/front-desk.ts';
import {
  ZCashMove,
  ZCheckTicket,
  ZCheckGroup,
  ZGroupAdmit,
  ZCloseShift,
  ZDeskRefund,
  ZDeskSearch,
  ZManualAdmit,
  ZOpenShift,
  ZPrinted,
  ZRebook,
  ZReplace,
  ZWindowSale,
} from '../../../lib/schemas/front-desk.ts';
import { ZDate } from '../../../lib/schemas/order.ts';
import {
  admitAtDesk,
  admitGroupAtDesk,
  checkGroupAtDesk,
  cashMove,
  checkAtDesk,
  closeShift,
  deskSearch,
  deskShifts,
  deskWindows,
  markOrderPrinted,
  openShift,
  orderDetail,
  rebookAtDesk,
  refundAtDesk,
  replaceAtDesk,
  sellAtWindow,
  shiftReport,
} from '../../services/front-desk.ts';
import { getCatalog } from '../../services/sales.ts';
import { createTRPCRouter, procedure } from '../init.ts';
import { overrideRequestsRouter } from './override-requests.ts';

const ZVenueId = z.object({ venueId: z.number().int().positive() });
/** Pinyin initials of a name (成人票 → crp), so a cashier types `cr` to find 成人票. */
const initialsOf = (name: string) =>
  pinyin(name, { pattern: 'first', toneType: 'none', type: 'array' }).join('').toLowerCase();

/** The front desk: ticket window (售票窗口), order desk (订单查询, 退改签) and check-in desk (人工检票台). */
export const frontDeskRouter = createTRPCRouter({
  windows: procedure('frontdesk', { input: 'venueId' })
    .input(ZVenueId)
    .query(({ ctx }) => deskWindows(ctx.rt.db, ctx.venueId, ctx.user.id)),
  gates: procedure('frontdesk', { input: 'venueId' })
    .input(ZVenueId)
    .query(async ({ ctx }) =>
      (await listGates(ctx.rt.db, ctx.venueId)).map((g) => ({
        id: g.id,
        code: g.code,
        zoneCode: g.zone_code,
        direction: g.direction,
        nameZh: g.name_zh,
        nameEn: g.name_en,
      })),
    ),
  openShift: procedure('frontdesk', { resource: 'channel', key: 'channelId' })
    .meta({ audit: 'shift.open' })
    .input(ZOpenShift)
    .mutation(({ ctx, input }) => openShift(ctx.rt, ctx.actor, input, ctx.venueId)),
  cashMove: procedure('frontdesk', { resource: 'shift', key: 'shiftId' })
    .meta({ audit: 'shift.cash_move' })
    .input(ZCashMove)
    .mutation(({ ctx, input }) => cashMove(ctx.rt, ctx.actor, input)),
  closeShift: procedure('frontdesk', { resource: 'shift', key: 'shiftId' })
    .meta({ audit: 'shift.close' })
    .input(ZCloseShift)
    .mutation(({ ctx, input }) => closeShift(ctx.rt, ctx.actor, input)),
  shift: procedure('frontdesk', { resource: 'shift', key: 'shiftId' })
    .input(z.object({ shiftId: z.number().int().positive() }))
    .query(({ ctx, input }) => shiftReport(ctx.rt.db, input.shiftId, ctx.user)),
  shifts: procedure('frontdesk', { input: 'venueId' })
    .input(ZVenueId)
    .query(({ ctx }) => deskShifts(ctx.rt.db, ctx.venueId, ctx.user)),
  /** What the window can sell for a date: prices of the day kind, slots with places left, and pinyin initials. */
  catalog: procedure('frontdesk', { resource: 'shift', key: 'shiftId' })
    .input(z.object({ shiftId: z.number().int().positive(), date: ZDate }))
    .query(async ({ ctx, input }) => {
      const s = (await findShift(ctx.rt.db, input.shiftId))!;
      const cat = await getCatalog(
        ctx.rt.sales!,
        {
          id: s.channel_id,
          venue_id: s.venue_id,
          code: s.channel_code,
          name: s.channel_name,
          kind: 'window',
          revoked_at: null,
        },
        input.date,
      );
      return { ...cat, types: cat.types.map((t) => ({ ...t, initials: initialsOf(t.nameZh) })) };
    }),
  sell: procedure('frontdesk', { resource: 'shift', key: 'shiftId' })
    .meta({ audit: 'order.window_sale' })
    .input(ZWindowSale)
    .mutation(({ ctx, input }) => sellAtWindow(ctx.rt, ctx.actor, input)),
  search: procedure('frontdesk', { input: 'venueId' })
    .input(ZDeskSearch)
    .query(({ ctx, input }) => deskSearch(ctx.rt, ctx.venueId, input)),
  order: procedure('frontdesk', { resource: 'order', key: 'orderId' })
    .input(z.object({ orderId: z.number().int().positive() }))
    .query(({ ctx, input }) => orderDetail(ctx.rt, input.orderId)),
  refund: procedure('frontdesk', { resource: 'order', key: 'orderId' })
    .meta({ audit: 'ticket.refund' })
    .input(ZDeskRefund)
    .mutation(({ ctx, input }) => refundAtDesk(ctx.rt, ctx.actor, input)),
  rebook: procedure('frontdesk', { resource: 'order', key: 'orderId' })
    .meta({ audit: 'ticket.rebook' })
    .input(ZRebook)
    .mutation(({ ctx, input }) => rebookAtDesk(ctx.rt, ctx.actor, input)),
  replace: procedure('frontdesk', { resource: 'ticket', key: 'ticketId' })
    .meta({ audit: 'ticket.replace' })
    .input(ZReplace)
    .mutation(({ ctx, input }) => replaceAtDesk(ctx.rt, ctx.actor, input)),
  printed: procedure('frontdesk', { resource: 'order', key: 'orderId' })
    .meta({ audit: 'order.reprint' })
    .input(ZPrinted)
    .mutation(({ ctx, input }) => markOrderPrinted(ctx.rt, ctx.actor, input, ctx.venueId)),
  check: procedure('frontdesk', { resource: 'gate', key: 'gateId' })
    .input(ZCheckTicket)
    .query(({ ctx, input }) => checkAtDesk(ctx.rt, input)),
  admit: procedure('frontdesk', { resource: 'gate', key: 'gateId' })
    .meta({ audit: 'gate.override' })
    .input(ZManualAdmit)
    .mutation(({ ctx, input }) => admitAtDesk(ctx.rt, ctx.actor, input)),
  /** A group code (团体码): booked, arrived, left, and how many this gate would admit now. */
  checkGroup: procedure('frontdesk', { resource: 'gate', key: 'gateId' })
    .input(ZCheckGroup)
    .query(({ ctx, input }) => checkGroupAtDesk(ctx.rt, input)),
  /** A group's headcount let in by hand (团体检票): never more than its unused tickets. */
  admitGroup: procedure('frontdesk', { resource: 'gate', key: 'gateId' })
    .meta({ audit: 'gate.group_admit' })
    .input(ZGroupAdmit)
    .mutation(({ ctx, input }) => admitGroupAtDesk(ctx.rt, ctx.actor, input)),
  /** Overrides at the venue's desks in the last 30 days, per supervisor and reason. */
  overrides: procedure('frontdesk', { input: 'venueId' })
    .input(ZVenueId)
    .query(({ ctx }) => overrideReport(ctx.rt.db, ctx.venueId, new Date(Date.now() - 30 * 86_400_000))),
  /** Overrides a supervisor approves from their own screen (远程主管授权). */
  approvals: overrideRequestsRouter,
});
