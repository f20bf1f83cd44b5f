import type { Database } from '../../db/client.ts';
import { upsertTicketType, type TicketTypeRow } from '../../db/queries/sales.ts';
import { localTime } from '../../lib/venue-time.ts';

/** Today at the demo venue (Asia/Shanghai, reset 04:00), as the server computes it. */
export function venueToday(now = new Date()): string {
  return localTime(now, 'Asia/Shanghai', 240).day;
}

/** Adds a ticket type to a venue for a test, with no slot by default. */
export async function addTicketType(
  db: Database,
  venueId: number,
  code: string,
  rules: Partial<Omit<TicketTypeRow, 'id' | 'venue_id' | 'code'>> = {},
): Promise<number> {
  return upsertTicketType(db, {
    venue_id: venueId,
    code,
    name_zh: code,
    name_en: code,
    category: 'adult',
    price_fen: 1000,
    weekend_price_fen: null,
    holiday_price_fen: null,
    validity: 'date',
    valid_days: 1,
    season_from: null,
    season_to: null,
    entry_policy: 'single',
    anti_passback: true,
    max_entries_per_day: null,
    slot_required: false,
    entry_window_before_min: 15,
    allowed_zone_ids: null,
    bundle: null,
    draws_day_quota: true,
    active: true,
    ...rules,
  });
}
