import { z } from 'zod';
import { ZIdCard } from '../id-card.ts';
import { isCalendarDate } from '../venue-time.ts';

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

export const ZOrderItem = z
  .object({
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
  })
  .strict()
  .refine((i) => !i.holders || i.holders.length === i.qty, {
    message: 'one holder per ticket (qty)',
    path: ['holders'],
  });

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
    items: z.array(ZOrderItem).min(1).max(20),
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
export type TOrderInput = z.input<typeof ZOrder>;
export type TOrder = z.output<typeof ZOrder>;

export interface TOrderResponse {
  orderId: number;
  /** The short order code (订单号) to quote at the desk. */
  orderCode?: string;
  /** A group order's code (团体码): scanned with a headcount, it admits that many of the unused tickets. */
  groupCode?: string;
  tickets: { code: string; type: string; date: string; slot?: string; show?: string }[];
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
  types: TCatalogType[];
  slots: { start: string; end: string; remaining: number; closed: boolean }[];
}
