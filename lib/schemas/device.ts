import { z } from 'zod';

/** Largest timestamp skew accepted from a device clock (ms): a day either way. */
const MAX_SKEW_MS = 24 * 3600 * 1000;

export const ZTimestamp = z
  .union([z.string().datetime({ offset: true }), z.number().int().positive()])
  .transform((v, ctx) => {
    const d = new Date(v);
    if (Number.isNaN(d.getTime()) || Math.abs(d.getTime() - Date.now()) > 400 * MAX_SKEW_MS) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time or epoch milliseconds within a year of now' });
      return z.NEVER;
    }
    return d;
  });

export const ZHeartbeat = z
  .object({
    at: ZTimestamp,
    /** Scans waiting on the device for upload (offline queue). */
    queue: z.number().int().min(0).max(10_000_000).optional(),
    /** Battery percentage for handheld scanners. */
    battery: z.number().int().min(0).max(100).optional(),
  })
  .strict();

export interface THeartbeatAck {
  ok: true;
  serverTime: string;
}
