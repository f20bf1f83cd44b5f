import type { Queryable } from '../client.ts';

/** Resources whose id names a venue: what a venue-scoped procedure may be given instead of a venueId. */
export const SCOPED_RESOURCES = {
  gate: 'gates',
  zone: 'zones',
  attraction: 'attractions',
  channel: 'channels',
  alarm: 'alarms',
  ticket: 'tickets',
  order: 'orders',
  shift: 'shifts',
  overrideRequest: 'override_requests',
} as const;
export type TScopedResource = keyof typeof SCOPED_RESOURCES;

/** The venue a resource belongs to, or null when there is no such resource. */
export async function venueOfResource(db: Queryable, kind: TScopedResource, id: number): Promise<number | null> {
  const r = await db.query<{ venue_id: number }>(`SELECT venue_id FROM ${SCOPED_RESOURCES[kind]} WHERE id = $1`, [id]);
  return r.rows[0]?.venue_id ?? null;
}

/** Venue ids by code (codes that name no venue are left out). */
export async function venueIdsByCode(db: Queryable, codes: string[]): Promise<Map<string, number>> {
  if (!codes.length) return new Map();
  const r = await db.query<{ id: number; code: string }>('SELECT id, code FROM venues WHERE code = ANY($1::text[])', [
    codes,
  ]);
  return new Map(r.rows.map((v) => [v.code, v.id]));
}
