import {
  ZAssignRoom,
  ZAvailability,
  ZBlockRoom,
  ZBooking,
  ZCancel,
  ZCheckIn,
  ZCheckOut,
  ZDepartEarly,
  ZExtend,
  ZHotelRef,
  ZMarkRoom,
  ZMoveRoom,
  ZNightAudit,
  ZPostCorrection,
  ZPostExtra,
  ZPostPayment,
  ZPostRefund,
  ZReleaseBlock,
  ZRevert,
  ZStayRef,
  ZVenue,
} from '../../../lib/schemas/hotel.ts';
import {
  assignRoom,
  availability,
  blockRoom,
  book,
  cancelStay,
  checkIn,
  checkOut,
  departEarly,
  extendStay,
  hotelToday,
  listHotelCatalog,
  markNoShow,
  markRoom,
  moveRoom,
  nightAuditHistory,
  postCorrection,
  postExtra,
  postPayment,
  postRefund,
  releaseBlock,
  revertStay,
  roomBoard,
  stayDetail,
  suggestRooms,
} from '../../services/hotel.ts';
import { runNightAudit } from '../../services/hotel-audit.ts';
import { housekeepingBoard, rack, ZHousekeepingBoard, ZRack } from '../../services/hotel-rack.ts';
import { createTRPCRouter, procedure } from '../init.ts';

/**
 * The hotel (酒店前台, 客房). Every procedure names its venue in its input (`venueId`): the
 * procedure checks the role and that venue; the service checks the hotel, stay or room named is
 * that venue's (another venue's is not found). The front desk's roles use the `hotel` area;
 * housekeeping's board, marks and blocks are the `housekeeping` area (the desk's roles too).
 */
const desk = () => procedure('hotel', { input: 'venueId' });
const rooms = () => procedure('housekeeping', { input: 'venueId' });

export const hotelRouter = createTRPCRouter({
  hotels: desk()
    .input(ZVenue)
    .query(({ ctx }) => listHotelCatalog(ctx.rt.db, ctx.venueId)),
  availability: desk()
    .input(ZAvailability)
    .query(({ ctx, input }) => availability(ctx.rt.db, ctx.venueId, input)),
  today: desk()
    .input(ZHotelRef)
    .query(({ ctx, input }) => hotelToday(ctx.rt.db, ctx.venueId, input)),
  stay: desk()
    .input(ZStayRef)
    .query(({ ctx, input }) => stayDetail(ctx.rt.db, ctx.venueId, input.stayId)),
  suggestRooms: desk()
    .input(ZStayRef)
    .query(({ ctx, input }) => suggestRooms(ctx.rt.db, ctx.venueId, input)),
  rooms: rooms()
    .input(ZHotelRef)
    .query(({ ctx, input }) => roomBoard(ctx.rt.db, ctx.venueId, input)),

  book: desk()
    .meta({ audit: 'hotel.book' })
    .input(ZBooking)
    .mutation(({ ctx, input }) => book(ctx.rt, ctx.actor, ctx.venueId, input)),
  assignRoom: desk()
    .meta({ audit: 'hotel.assign_room' })
    .input(ZAssignRoom)
    .mutation(({ ctx, input }) => assignRoom(ctx.rt, ctx.actor, ctx.venueId, input)),
  checkIn: desk()
    .meta({ audit: 'hotel.check_in' })
    .input(ZCheckIn)
    .mutation(({ ctx, input }) => checkIn(ctx.rt, ctx.actor, ctx.venueId, input)),
  checkOut: desk()
    .meta({ audit: 'hotel.check_out' })
    .input(ZCheckOut)
    .mutation(({ ctx, input }) => checkOut(ctx.rt, ctx.actor, ctx.venueId, input)),
  revert: desk()
    .meta({ audit: 'hotel.revert_check_in' })
    .input(ZRevert)
    .mutation(({ ctx, input }) => revertStay(ctx.rt, ctx.actor, ctx.venueId, input)),
  cancel: desk()
    .meta({ audit: 'hotel.cancel' })
    .input(ZCancel)
    .mutation(({ ctx, input }) => cancelStay(ctx.rt, ctx.actor, ctx.venueId, input)),
  noShow: desk()
    .meta({ audit: 'hotel.no_show' })
    .input(ZCancel)
    .mutation(({ ctx, input }) => markNoShow(ctx.rt, ctx.actor, ctx.venueId, input)),
  moveRoom: desk()
    .meta({ audit: 'hotel.move_room' })
    .input(ZMoveRoom)
    .mutation(({ ctx, input }) => moveRoom(ctx.rt, ctx.actor, ctx.venueId, input)),
  extend: desk()
    .meta({ audit: 'hotel.extend' })
    .input(ZExtend)
    .mutation(({ ctx, input }) => extendStay(ctx.rt, ctx.actor, ctx.venueId, input)),
  departEarly: desk()
    .meta({ audit: 'hotel.depart_early' })
    .input(ZDepartEarly)
    .mutation(({ ctx, input }) => departEarly(ctx.rt, ctx.actor, ctx.venueId, input)),
  postExtra: desk()
    .meta({ audit: 'hotel.folio.extra' })
    .input(ZPostExtra)
    .mutation(({ ctx, input }) => postExtra(ctx.rt, ctx.actor, ctx.venueId, input)),
  postPayment: desk()
    .meta({ audit: 'hotel.folio.payment' })
    .input(ZPostPayment)
    .mutation(({ ctx, input }) => postPayment(ctx.rt, ctx.actor, ctx.venueId, input)),
  postRefund: desk()
    .meta({ audit: 'hotel.folio.refund' })
    .input(ZPostRefund)
    .mutation(({ ctx, input }) => postRefund(ctx.rt, ctx.actor, ctx.venueId, input)),
  postCorrection: desk()
    .meta({ audit: 'hotel.folio.correction' })
    .input(ZPostCorrection)
    .mutation(({ ctx, input }) => postCorrection(ctx.rt, ctx.actor, ctx.venueId, input)),
  nightAudit: desk()
    .meta({ audit: 'hotel.night_audit' })
    .input(ZNightAudit)
    .mutation(({ ctx, input }) => runNightAudit(ctx.rt, ctx.actor, ctx.venueId, input)),

  markRoom: rooms()
    .meta({ audit: 'hotel.room.mark' })
    .input(ZMarkRoom)
    .mutation(({ ctx, input }) => markRoom(ctx.rt, ctx.actor, ctx.venueId, input)),
  blockRoom: rooms()
    .meta({ audit: 'hotel.room.block' })
    .input(ZBlockRoom)
    .mutation(({ ctx, input }) => blockRoom(ctx.rt, ctx.actor, ctx.venueId, input)),
  releaseBlock: rooms()
    .meta({ audit: 'hotel.room.release_block' })
    .input(ZReleaseBlock)
    .mutation(({ ctx, input }) => releaseBlock(ctx.rt, ctx.actor, ctx.venueId, input)),

  /** The night audits done, newest first, with their no-shows and late arrivals (the desk's 夜审 report). */
  nightAudits: desk()
    .input(ZHotelRef)
    .query(({ ctx, input }) => nightAuditHistory(ctx.rt.db, ctx.venueId, input)),
  // The room rack (tape chart) for the desk and the housekeeping board for the phones: reads only;
  // what they lead to goes through book, assignRoom, moveRoom, extend, markRoom and the blocks above.
  rack: desk()
    .input(ZRack)
    .query(({ ctx, input }) => rack(ctx.rt.db, ctx.venueId, input)),
  housekeepingBoard: rooms()
    .input(ZHousekeepingBoard)
    .query(({ ctx, input }) => housekeepingBoard(ctx.rt.db, ctx.venueId, input)),
});
