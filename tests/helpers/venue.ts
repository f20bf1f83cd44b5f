import type { Database } from '../../db/client.ts';
import { plainTicketType, upsertTicketType, type TicketTypeRow } from '../../db/queries/sales.ts';
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
  return upsertTicketType(db, plainTicketType(venueId, code, rules));
}
