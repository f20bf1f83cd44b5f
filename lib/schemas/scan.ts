import { z } from 'zod';
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
] as const;
export type TScanReason = (typeof SCAN_REASONS)[number];

/** One scan from a gate: `id` is the device's own id for it, unique per device (retries reuse it). */
export const ZScan = z
  .object({
    id: z.string().min(1).max(64),
    code: z.string().max(256),
    direction: z.enum(['in', 'out']),
    at: ZTimestamp,
  })
  .strict();

/**
 * A scan uploaded after an outage: `local` is what the gate decided while offline and, for a
 * rejection, optionally `reason` (why the gate refused it), recorded with it.
 */
export const ZBatchScan = ZScan.extend({
  local: z.enum(['admit', 'reject']).optional(),
  reason: z.enum(SCAN_REASONS).optional(),
})
  .strict()
  .refine((s) => s.reason === undefined || s.local === 'reject', {
    message: 'reason is only for a scan the gate rejected offline (local: "reject")',
    path: ['reason'],
  });
/** Largest upload in one batch; a gate with more queued scans sends several. */
export const MAX_BATCH_SCANS = 1_000;
export const ZScanBatch = z.object({ scans: z.array(ZBatchScan).min(1).max(MAX_BATCH_SCANS) }).strict();

export type TScan = z.output<typeof ZBatchScan>;

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
