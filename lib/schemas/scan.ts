import { z } from 'zod';
import { ZIdCard } from '../id-card.ts';
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
] as const;
export type TScanReason = (typeof SCAN_REASONS)[number];

const ZScanFields = z
  .object({
    id: z.string().min(1).max(64),
    /** The ticket's code (QR or barcode) ... */
    code: z.string().max(256).optional(),
    /** ... or, at a gate with an ID-card reader, the holder's ID-card number (刷身份证入园). */
    idNumber: ZIdCard.optional(),
    direction: z.enum(['in', 'out']),
    at: ZTimestamp,
  })
  .strict();
const oneOfCodeOrId = (s: { code?: string; idNumber?: string }) =>
  (s.code === undefined) !== (s.idNumber === undefined);
const ONE_OF = { message: 'a scan has either code or idNumber, not both', path: ['code'] };

/** One scan from a gate: `id` is the device's own id for it, unique per device (retries reuse it). */
export const ZScan = ZScanFields.refine(oneOfCodeOrId, ONE_OF);

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
export type TScan = Omit<z.output<typeof ZBatchScan>, 'idNumber'> & { holderIdx?: string };

export type TScanAck =
  | {
      id: string;
      result: 'admit' | 'reject';
      reason?: TScanReason;
      ticket?: { type: string; entriesLeft?: number };
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
