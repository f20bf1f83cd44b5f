import { z } from 'zod';
import { ZIdCard } from '../id-card.ts';
import { addDays, isCalendarDate } from '../venue-time.ts';

export const ZDate = z.string().refine(isCalendarDate, 'must be a date as YYYY-MM-DD');
export const ZSlot = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a slot start time as HH:MM');
export const ZShowTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a show's start time as HH:MM");
/** Money in yuan with at most two decimals (fen), as channels send it. */
export const ZYuan = z
  .number()
  .nonnegative()
  .max(10_000_000)
  .refine((v) => Math.abs(Math.round(v * 100) - v * 100) < 1e-6, 'must have at most two decimals');

/** The person a real-name ticket (实名制) belongs to. */
export const ZHolder = z.object({ name: z.string().trim().min(1).max(64), idNumber: ZIdCard }).strict();
export type THolder = z.output<typeof ZHolder>;

/** The fields of a ticket line (门票), shared by the window's sale and the channels' order. */
const ticketItemShape = {
  type: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'must be a ticket type code'),
  qty: z.number().int().min(1).max(100),
  date: ZDate,
  slot: ZSlot.optional(),
  /**
   * Types that include a show with show times (演出场次): the show's start, HH:MM. Each ticket of
   * the item that includes the show books a seat of it (a bundle with a show books one per bundle).
   */
  show: ZShowTime.optional(),
  /** Real-name types: one holder per ticket of the item (qty of them), in order. */
  holders: z.array(ZHolder).max(100).optional(),
};
const oneHolderPerTicket = {
  check: (i: { holders?: unknown[]; qty: number }) => !i.holders || i.holders.length === i.qty,
  message: 'one holder per ticket (qty)',
  path: ['holders'],
};

export const ZOrderItem = z
  .object(ticketItemShape)
  .strict()
  .refine(oneHolderPerTicket.check, { message: oneHolderPerTicket.message, path: oneHolderPerTicket.path });

const ZCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'must be a code');

/** Nights a channel may book or ask about at once. */
export const CHANNEL_MAX_NIGHTS = 30;

/** Nights [from, to): at least one, at most CHANNEL_MAX_NIGHTS; the issue is on `toKey`. */
function nightRange(from: string, to: string, ctx: z.RefinementCtx, toKey: string): void {
  if (to <= from) ctx.addIssue({ code: 'custom', path: [toKey], message: 'must be after the first night' });
  else if (to > addDays(from, CHANNEL_MAX_NIGHTS))
    ctx.addIssue({ code: 'custom', path: [toKey], message: `at most ${CHANNEL_MAX_NIGHTS} nights` });
}

/**
 * A room line (客房) of a channel's order: one room of a type for the nights [checkIn, checkOut)
 * on a rate plan, priced by the hotel's rules (a package includes its park tickets per guest and day).
 * `hotel` (its code) is needed only when the venue has several hotels.
 */
export const ZRoomItem = z
  .object({
    kind: z.literal('room'),
    hotel: ZCode.optional(),
    roomType: ZCode,
    ratePlan: ZCode,
    checkIn: ZDate,
    checkOut: ZDate,
    guests: z
      .object({ adults: z.number().int().min(1).max(12), children: z.number().int().min(0).max(12).default(0) })
      .strict(),
  })
  .strict()
  .superRefine((r, ctx) => nightRange(r.checkIn, r.checkOut, ctx, 'checkOut'));

/** A channel's ticket line: `kind` is optional ("ticket"), so clients from before rooms keep working. */
const ZChannelTicketItem = z
  .object({ kind: z.literal('ticket'), ...ticketItemShape })
  .strict()
  .refine(oneHolderPerTicket.check, { message: oneHolderPerTicket.message, path: oneHolderPerTicket.path });

export const ZChannelItem = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) && !('kind' in v) ? { ...v, kind: 'ticket' } : v),
  z.discriminatedUnion('kind', [ZChannelTicketItem, ZRoomItem]),
);

/** `GET /api/channels/hotel/availability?from=&to=`: the nights [from, to), at most 30. */
export const ZChannelAvailability = z
  .object({ from: ZDate, to: ZDate })
  .strict()
  .superRefine((r, ctx) => nightRange(r.from, r.to, ctx, 'to'));

const ZPhone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 -]{5,20}$/, 'must be a phone number');

/** A group's order (团体票): the guide who brings it; the order gets one group code for the headcount. */
export const ZGroup = z.object({ guideName: z.string().trim().min(1).max(64), guidePhone: ZPhone }).strict();

export const ZOrder = z
  .object({
    ref: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
    items: z.array(ZChannelItem).min(1).max(20),
    customer: z
      .object({
        name: z.string().trim().min(1).max(64),
        phone: ZPhone.optional(),
        idNumber: ZIdCard.optional(),
      })
      .strict()
      .optional(),
    /** An agency's group: the order also gets a group code (`groupCode`) that admits a headcount. */
    group: ZGroup.optional(),
    amount: ZYuan,
    paidAt: z.string().datetime({ offset: true }).optional(),
  })
  .strict();
/** What a client sends (the items' preprocessing hides their input type from zod's inference). */
export type TOrderInput = Omit<z.input<typeof ZOrder>, 'items'> & {
  items: ((z.input<typeof ZOrderItem> & { kind?: 'ticket' }) | z.input<typeof ZRoomItem>)[];
};
export type TOrder = z.output<typeof ZOrder>;

export interface TOrderResponse {
  orderId: number;
  /** The short order code (订单号) to quote at the desk. */
  orderCode?: string;
  /** A group order's code (团体码): scanned with a headcount, it admits that many of the unused tickets. */
  groupCode?: string;
  tickets: { code: string; type: string; date: string; slot?: string; show?: string; stayId?: number }[];
  /** The room lines' stays (a package's tickets are in `tickets` with their `stayId`); absent without rooms. */
  stays?: TOrderStay[];
}

/** A stay a channel's order booked: what the OTA shows its guest and quotes at the lodge. */
export interface TOrderStay {
  stayId: number;
  hotel: string;
  roomType: string;
  ratePlan: string;
  checkIn: string;
  checkOut: string;
  nights: number;
  adults: number;
  children: number;
  amount: number;
  state: string;
}

/** A room type's nights for a channel: rooms left, and per rate plan the room's rate and the per-guest part. */
export interface TChannelAvailability {
  venue: string;
  from: string;
  to: string;
  hotels: {
    code: string;
    nameZh: string;
    nameEn: string;
    checkInTime: string;
    checkOutTime: string;
    ratePlans: {
      code: string;
      nameZh: string;
      nameEn: string;
      kind: string;
      freeCancelHours: number;
      cancelFeePct: number;
    }[];
    roomTypes: {
      code: string;
      nameZh: string;
      nameEn: string;
      bed: string;
      maxAdults: number;
      maxChildren: number;
      nights: {
        night: string;
        left: number;
        rates: { ratePlan: string; room: number; perAdult: number; perChild: number }[];
      }[];
    }[];
  }[];
}

export const ZRefund = z.object({ codes: z.array(z.string().max(64)).min(1).max(500).optional() }).strict();

export interface TRefundResponse {
  orderId: number;
  refunded: string[];
  alreadyRefunded: string[];
  amount: number;
}

/** A show time of a date (演出场次): seats left; closed by a manager or over (then `ended`). */
export interface TCatalogShow {
  /** The show attraction's code. */
  attraction: string;
  start: string;
  end: string;
  remaining: number;
  closed: boolean;
  ended?: true;
}

export interface TCatalogType {
  code: string;
  nameZh: string;
  nameEn: string;
  category: string;
  price: number;
  entryPolicy: { kind: 'single' | 'multi'; antiPassback: boolean; maxEntriesPerDay: number | null };
  validity: { from: string; to: string };
  slotRequired: boolean;
  /** Real-name type: the order names a holder (name and ID number) per ticket. */
  realName: boolean;
  bundle?: { type: string; qty: number }[];
  /**
   * Attraction rides included (项目票): per attraction a number of rides or null for unlimited
   * within validity, and the share of the price they stand for (yuan).
   */
  rides?: { attraction: string; nameZh: string; nameEn: string; rides: number | null; share: number }[];
  /** False for an attraction-only ticket (no park entry); absent: it enters the park. */
  parkEntry?: false;
  /** A points card (点数卡): its points. */
  points?: number;
  /** Time-of-day validity (夜场票), HH:MM. */
  hours?: { from: string; to: string };
  /** The type includes a show with show times: an order names one (`items[].show`); these are the date's. */
  shows?: TCatalogShow[];
}

export interface TCatalog {
  venue: string;
  date: string;
  dayKind: 'weekday' | 'weekend' | 'holiday';
  remaining: number | null;
  /** The venue has hotels: where a channel reads their rooms (room lines are sold in the same orders). */
  rooms?: { availability: string };
  types: TCatalogType[];
  slots: { start: string; end: string; remaining: number; closed: boolean }[];
}
