import type { Database } from '../../db/client.ts';

/** Ids of a second venue's resources, for "venue A's user asks for venue B's resource" cases. */
export interface TSecondVenue {
  venueId: number;
  code: string;
  zoneId: number;
  gateId: number;
  gateCode: string;
  channelId: number;
  alarmId: number;
  orderId: number;
  ticketId: number;
  shiftId: number;
  overrideRequestId: number;
}

/**
 * A minimal second venue beside the demo one: a zone, a gate, a channel, an open alarm, an order
 * with a ticket, a cashier's shift and their pending override request for the ticket.
 */
export async function createSecondVenue(db: Database, code = 'VENUE-B'): Promise<TSecondVenue> {
  return db.transaction(async (tx) => {
    const one = async <T>(sql: string, params: unknown[]) => (await tx.query<T>(sql, params)).rows[0];
    const venue = await one<{ id: number }>(
      `INSERT INTO venues (code, name_zh, name_en, capacity) VALUES ($1, '乙景区', 'Venue B', 1000) RETURNING id`,
      [code],
    );
    const zone = await one<{ id: number }>(
      `INSERT INTO zones (venue_id, code, name_zh, name_en, capacity, polygon) VALUES ($1, 'B-PLAZA', '乙广场', 'B plaza', 500, '[[0,0],[1,0],[1,1]]') RETURNING id`,
      [venue.id],
    );
    const gate = await one<{ id: number }>(
      `INSERT INTO gates (venue_id, zone_id, code, name_zh, name_en, direction, position) VALUES ($1, $2, 'B-01', '乙1号闸机', 'B gate 1', 'in', '[0,0]') RETURNING id`,
      [venue.id, zone.id],
    );
    const channel = await one<{ id: number }>(
      `INSERT INTO channels (venue_id, code, name, kind) VALUES ($1, 'B-SHOP', 'B shop', 'online') RETURNING id`,
      [venue.id],
    );
    const alarm = await one<{ id: number }>(
      `INSERT INTO alarms (venue_id, subject_kind, subject_id, kind, severity) VALUES ($1, 'zone', $2, 'capacity', 'warning') RETURNING id`,
      [venue.id, zone.id],
    );
    const type = await one<{ id: number }>(
      `INSERT INTO ticket_types (venue_id, code, name_zh, name_en, price_fen) VALUES ($1, 'B-ADULT', '乙成人票', 'B adult', 1000) RETURNING id`,
      [venue.id],
    );
    const order = await one<{ id: number }>(
      `INSERT INTO orders (venue_id, channel_id, ref, request_hash, amount_fen, paid_at) VALUES ($1, $2, 'B-1', 'b', 1000, now()) RETURNING id`,
      [venue.id, channel.id],
    );
    const ticket = await one<{ id: number }>(
      `INSERT INTO tickets (order_id, venue_id, type_id, code, visit_date, valid_from, valid_to, price_fen)
       VALUES ($1, $2, $3, 'T' || lpad('', 26, 'B'), current_date, current_date, current_date, 1000) RETURNING id`,
      [order.id, venue.id, type.id],
    );
    const cashier = await one<{ id: number }>(
      `INSERT INTO users (email, name, password_hash, role) VALUES (lower($1) || '-cashier@venue-b.test', 'B cashier', 'x', 'frontdesk') RETURNING id`,
      [code],
    );
    const shift = await one<{ id: number }>(
      'INSERT INTO shifts (venue_id, channel_id, user_id, opening_float_fen) VALUES ($1, $2, $3, 0) RETURNING id',
      [venue.id, channel.id, cashier.id],
    );
    // Pending for a day: the hub's expiry sweep must not touch it while the matrix runs.
    const request = await one<{ id: number }>(
      `INSERT INTO override_requests (venue_id, ticket_id, gate_id, direction, reason, requested_by, expires_at)
       VALUES ($1, $2, $3, 'in', 'staff_error', $4, now() + interval '1 day') RETURNING id`,
      [venue.id, ticket.id, gate.id, cashier.id],
    );
    return {
      overrideRequestId: request.id,
      shiftId: shift.id,
      venueId: venue.id,
      code,
      zoneId: zone.id,
      gateId: gate.id,
      gateCode: 'B-01',
      channelId: channel.id,
      alarmId: alarm.id,
      orderId: order.id,
      ticketId: ticket.id,
    };
  });
}
