import { z } from 'zod';
import { ZIdCard } from '../id-card.ts';
import { normalizeGroupCode } from '../ticket-code.ts';
import { ZTimestamp } from './device.ts';

export const SCAN_REASONS = [
  'unknown',
  'used',
  'refunded',
  'not_valid_today',
  'outside_slot',
  'wrong_zone',
  'passback',
  'capacity',
  'throttled',
  'invalid',
  'replaced',
  'ambiguous',
  'no_rides_left',
  'ride_too_soon',
  'attraction_closed',
  'not_inside',
  'not_activated',
] as const;
export type TScanReason = (typeof SCAN_REASONS)[number];

/** Most people one group scan admits at once; a larger group passes in several scans. */
export const MAX_GROUP_COUNT = 100;

const ZScanFields = z
  .object({
    id: z.string().min(1).max(64),
    /** The ticket's code (QR or barcode) ... */
    code: z.string().max(256).optional(),
    /** ... or, at a gate with an ID-card reader, the holder's ID-card number (刷身份证入园). */
    idNumber: ZIdCard.optional(),
    direction: z.enum(['in', 'out']),
    at: ZTimestamp,
    /**
     * With a group code (团体码): how many of the group pass now (the guide's headcount); the
     * server admits that many of the group's unused tickets, never more than are left. Default 1.
     */
    count: z.number().int().min(1).max(MAX_GROUP_COUNT).optional(),
  })
  .strict();
const oneOfCodeOrId = (s: { code?: string; idNumber?: string }) =>
  (s.code === undefined) !== (s.idNumber === undefined);
const ONE_OF = { message: 'a scan has either code or idNumber, not both', path: ['code'] };
/** A headcount above 1 only comes with a group code. */
const countOnlyForGroups = (s: { code?: string; count?: number }) =>
  (s.count ?? 1) === 1 || (s.code !== undefined && normalizeGroupCode(s.code) !== null);
const GROUP_COUNT = { message: 'a count above 1 is only for a group code', path: ['count'] };

/** One scan from a gate: `id` is the device's own id for it, unique per device (retries reuse it). */
export const ZScan = ZScanFields.refine(oneOfCodeOrId, ONE_OF).refine(countOnlyForGroups, GROUP_COUNT);

/**
 * A scan uploaded after an outage: `local` is what the gate decided while offline and, for a
 * rejection, optionally `reason` (why the gate refused it), recorded with it.
 */
export const ZBatchScan = ZScanFields.extend({
  local: z.enum(['admit', 'reject']).optional(),
  reason: z.enum(SCAN_REASONS).optional(),
})
  .strict()
  .refine(oneOfCodeOrId, ONE_OF)
  .refine(countOnlyForGroups, GROUP_COUNT)
  .refine((s) => s.reason === undefined || s.local === 'reject', {
    message: 'reason is only for a scan the gate rejected offline (local: "reject")',
    path: ['reason'],
  });
/** Largest upload in one batch; a gate with more queued scans sends several. */
export const MAX_BATCH_SCANS = 1_000;
export const ZScanBatch = z.object({ scans: z.array(ZBatchScan).min(1).max(MAX_BATCH_SCANS) }).strict();

/**
 * A scan as the ingest decides it. An ID-card number never goes past the edge: the stream handlers
 * replace it with its keyed index (`holderIdx`, hex), which finds the holder's tickets.
 */
export type TScan = Omit<z.output<typeof ZBatchScan>, 'idNumber' | 'count'> & {
  holderIdx?: string;
  /**
   * One member of a group scan: the stream handlers turn a group code with `count` N into N scans
   * with ids `<id>/1` ... `<id>/N`, each admitting one of the group's unused tickets (the count is
   * part of each one's identity, so a retry with another headcount is a different scan).
   */
  group?: { code: string; count: number };
};

/** What a group scan did, in its answer. */
export interface TGroupAck {
  code: string;
  /** Headcount asked for and let through by this scan. */
  requested: number;
  admitted: number;
  /** The group's unused tickets after it (missing when they could not be counted in time). */
  left?: number;
  /** Admitted per ticket type. */
  types: Record<string, number>;
}

export type TScanAck =
  | {
      id: string;
      result: 'admit' | 'reject';
      reason?: TScanReason;
      ticket?: {
        type: string;
        entriesLeft?: number;
        /** At an attraction: rides, or points on a points card, left after this ride. */
        ridesLeft?: number;
        pointsLeft?: number;
      };
      /** A group code's scan: how many it admitted of how many asked, and how many are left. */
      group?: TGroupAck;
      /** Uploaded offline scans: recorded as facts, not re-decided. */
      recorded?: true;
      /** An offline admission of a ticket that was not admissible (e.g. already admitted elsewhere). */
      conflict?: true;
      /**
       * An upload that settled a scan the server had decided differently after telling the gate
       * `unavailable`: the server's decision was undone and the gate's act recorded instead.
       */
      corrected?: true;
    }
  | {
      id?: string;
      error: { code: 'invalid' | 'idempotency_mismatch' | 'unavailable'; message: string; retryAfterMs?: number };
    };
