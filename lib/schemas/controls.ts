import { z } from 'zod';
import { ZDate, ZSlot } from './order.ts';

/** Inputs of the rate-limit controls (限流), shared so that forms can check them as the server does. */
const ZReason = z.string().trim().max(300).optional();

export const ZSetChannel = z.object({
  channelId: z.number().int().positive(),
  ordersPerMin: z.number().int().min(1).max(100_000).nullable().optional(),
  paused: z.boolean().optional(),
  reason: ZReason,
});
export const ZSetGate = z.object({
  gateId: z.number().int().positive(),
  admissionsPerMin: z.number().int().min(1).max(100_000).nullable().optional(),
  closed: z.boolean().optional(),
  reason: ZReason,
});
export const ZSetZoneCap = z.object({
  zoneId: z.number().int().positive(),
  entryCap: z.number().int().min(0).max(1_000_000).nullable(),
  reason: ZReason,
});
export const ZSetQuota = z.object({
  venueId: z.number().int().positive(),
  day: ZDate,
  slot: ZSlot.nullable(),
  capacity: z.number().int().min(0).max(1_000_000).optional(),
  closed: z.boolean().optional(),
  reason: ZReason,
});
export const ZResumeOnlineSales = z.object({ venueId: z.number().int().positive(), reason: ZReason });
/**
 * An attraction's controls: closed (a note saying why is required to close it), and riders per
 * minute at its gates (null: no limit). Omitted fields keep their value.
 */
export const ZSetAttraction = z
  .object({
    attractionId: z.number().int().positive(),
    closed: z.boolean().optional(),
    ridesPerMin: z.number().int().min(1).max(100_000).nullable().optional(),
    note: ZReason,
  })
  .refine((x) => x.closed !== true || !!x.note, { path: ['note'], message: 'say why the attraction closes' });
export type TSetAttraction = z.infer<typeof ZSetAttraction>;
