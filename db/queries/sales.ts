import type { Queryable } from '../client.ts';

export interface TicketTypeRow {
  id: number;
  venue_id: number;
  code: string;
  name_zh: string;
  name_en: string;
  category: string;
  price_fen: number;
  weekend_price_fen: number | null;
  holiday_price_fen: number | null;
  validity: 'date' | 'range' | 'season';
  valid_days: number;
  season_from: string | null;
  season_to: string | null;
  entry_policy: 'single' | 'multi';
  anti_passback: boolean;
  max_entries_per_day: number | null;
  slot_required: boolean;
  entry_window_before_min: number;
  allowed_zone_ids: number[] | null;
  bundle: { type: string; qty: number }[] | null;
  draws_day_quota: boolean;
  active: boolean;
  /** Real-name type (实名制): every ticket names its holder. */
  real_name?: boolean;
}

export async function listTicketTypes(db: Queryable, venueId: number): Promise<TicketTypeRow[]> {
  const r = await db.query<TicketTypeRow>(
    `SELECT id, venue_id, code, name_zh, name_en, category, price_fen, weekend_price_fen, holiday_price_fen, validity, valid_days,
            season_from, season_to, entry_policy, anti_passback, max_entries_per_day, slot_required, entry_window_before_min,
            allowed_zone_ids, bundle, draws_day_quota, active, real_name
     FROM ticket_types WHERE venue_id = $1 ORDER BY sort, code`,
    [venueId],
  );
  return r.rows;
}

/**
 * A plain ticket type (single entry, valid on its date, no slot, one price every day) with `rules`
 * over it: what tests and benchmarks add beside the demo's types.
 */
export function plainTicketType(
  venueId: number,
  code: string,
  rules: Partial<Omit<TicketTypeRow, 'id' | 'venue_id' | 'code'>> & { sort?: number } = {},
): Omit<TicketTypeRow, 'id'> & { sort?: number } {
  return {
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
  };
}

/** Inserts or updates a ticket type by (venue, code). */
export async function upsertTicketType(
  db: Queryable,
  t: Omit<TicketTypeRow, 'id'> & { sort?: number },
): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO ticket_types (venue_id, code, name_zh, name_en, category, price_fen, weekend_price_fen, holiday_price_fen, validity,
       valid_days, season_from, season_to, entry_policy, anti_passback, max_entries_per_day, slot_required, entry_window_before_min,
       allowed_zone_ids, bundle, draws_day_quota, active, sort, real_name)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)
     ON CONFLICT (venue_id, code) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, category = EXCLUDED.category,
       price_fen = EXCLUDED.price_fen, weekend_price_fen = EXCLUDED.weekend_price_fen, holiday_price_fen = EXCLUDED.holiday_price_fen,
       validity = EXCLUDED.validity, valid_days = EXCLUDED.valid_days, season_from = EXCLUDED.season_from, season_to = EXCLUDED.season_to,
       entry_policy = EXCLUDED.entry_policy, anti_passback = EXCLUDED.anti_passback, max_entries_per_day = EXCLUDED.max_entries_per_day,
       slot_required = EXCLUDED.slot_required, entry_window_before_min = EXCLUDED.entry_window_before_min,
       allowed_zone_ids = EXCLUDED.allowed_zone_ids, bundle = EXCLUDED.bundle, draws_day_quota = EXCLUDED.draws_day_quota,
       active = EXCLUDED.active, sort = EXCLUDED.sort, real_name = EXCLUDED.real_name
     RETURNING id`,
    [
      t.venue_id,
      t.code,
      t.name_zh,
      t.name_en,
      t.category,
      t.price_fen,
      t.weekend_price_fen,
      t.holiday_price_fen,
      t.validity,
      t.valid_days,
      t.season_from,
      t.season_to,
      t.entry_policy,
      t.anti_passback,
      t.max_entries_per_day,
      t.slot_required,
      t.entry_window_before_min,
      t.allowed_zone_ids,
      t.bundle ? JSON.stringify(t.bundle) : null,
      t.draws_day_quota,
      t.active,
      t.sort ?? 0,
      t.real_name ?? false,
    ],
  );
  return r.rows[0].id;
}

export async function isHoliday(db: Queryable, venueId: number, day: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM holidays WHERE venue_id = $1 AND day = $2', [venueId, day]);
  return r.rows.length > 0;
}

export async function upsertHoliday(
  db: Queryable,
  venueId: number,
  day: string,
  nameZh: string,
  nameEn: string,
): Promise<void> {
  await db.query(
    'INSERT INTO holidays (venue_id, day, name_zh, name_en) VALUES ($1, $2, $3, $4) ON CONFLICT (venue_id, day) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en',
    [venueId, day, nameZh, nameEn],
  );
}

export async function upsertSlotTemplate(
  db: Queryable,
  venueId: number,
  starts: string,
  ends: string,
  capacity: number,
): Promise<void> {
  await db.query(
    'INSERT INTO slot_templates (venue_id, starts, ends, capacity) VALUES ($1, $2, $3, $4) ON CONFLICT (venue_id, starts) DO UPDATE SET ends = EXCLUDED.ends, capacity = EXCLUDED.capacity',
    [venueId, starts, ends, capacity],
  );
}

export interface QuotaRow {
  id: number | null;
  slot_start: string | null;
  slot_end: string | null;
  capacity: number;
  sold: number;
  closed: boolean;
}

/** The day's quota and slot quotas, from materialised rows or, for untouched dates, the templates. */
export async function readQuotas(db: Queryable, venueId: number, day: string): Promise<QuotaRow[]> {
  const r = await db.query<QuotaRow>(
    `SELECT q.id, NULL::text AS slot_start, NULL::text AS slot_end,
            COALESCE(q.capacity, v.daily_quota, v.capacity) AS capacity, COALESCE(q.sold, 0) AS sold, COALESCE(q.closed, false) AS closed
     FROM venues v LEFT JOIN quotas q ON q.venue_id = v.id AND q.day = $2 AND q.slot_start IS NULL
     WHERE v.id = $1
     UNION ALL
     SELECT q.id, to_char(st.starts, 'HH24:MI'), to_char(st.ends, 'HH24:MI'),
            COALESCE(q.capacity, st.capacity), COALESCE(q.sold, 0), COALESCE(q.closed, false)
     FROM slot_templates st LEFT JOIN quotas q ON q.venue_id = st.venue_id AND q.day = $2 AND q.slot_start = st.starts
     WHERE st.venue_id = $1
     ORDER BY 2 NULLS FIRST`,
    [venueId, day],
  );
  return r.rows;
}

/** Creates the quota rows of a date from the venue defaults and slot templates (no-op when present). */
export async function ensureQuotas(tx: Queryable, venueId: number, day: string): Promise<void> {
  await tx.query(
    `INSERT INTO quotas (venue_id, day, capacity)
     SELECT id, $2, COALESCE(daily_quota, capacity) FROM venues WHERE id = $1
     ON CONFLICT (venue_id, day) WHERE slot_start IS NULL DO NOTHING`,
    [venueId, day],
  );
  await tx.query(
    `INSERT INTO quotas (venue_id, day, slot_start, slot_end, capacity)
     SELECT venue_id, $2, starts, ends, capacity FROM slot_templates WHERE venue_id = $1
     ON CONFLICT (venue_id, day, slot_start) WHERE slot_start IS NOT NULL DO NOTHING`,
    [venueId, day],
  );
}

/** The quota row ids of a date: the day quota and each slot by 'HH:MM'. */
export async function quotaIds(
  tx: Queryable,
  venueId: number,
  day: string,
): Promise<{ day: number | undefined; slots: Map<string, { id: number; end: string }> }> {
  const r = await tx.query<{ id: number; slot_start: string | null; slot_end: string | null }>(
    `SELECT id, to_char(slot_start, 'HH24:MI') AS slot_start, to_char(slot_end, 'HH24:MI') AS slot_end FROM quotas WHERE venue_id = $1 AND day = $2`,
    [venueId, day],
  );
  const slots = new Map<string, { id: number; end: string }>();
  let dayId: number | undefined;
  for (const q of r.rows) {
    if (q.slot_start === null) dayId = q.id;
    else slots.set(q.slot_start, { id: q.id, end: q.slot_end! });
  }
  return { day: dayId, slots };
}

/**
 * Takes n places from a quota in one atomic statement; false when it is closed or has fewer than n
 * left. Concurrent buyers serialise on the row lock, so a quota is never oversold.
 */
export async function takeQuota(tx: Queryable, quotaId: number, n: number): Promise<{ ok: boolean; left: number }> {
  const r = await tx.query<{ id: number }>(
    'UPDATE quotas SET sold = sold + $2 WHERE id = $1 AND NOT closed AND sold + $2 <= capacity RETURNING id',
    [quotaId, n],
  );
  if (r.rows.length) return { ok: true, left: -1 };
  const q = await tx.query<{ left: number; closed: boolean }>(
    'SELECT GREATEST(capacity - sold, 0) AS left, closed FROM quotas WHERE id = $1',
    [quotaId],
  );
  return { ok: false, left: q.rows[0]?.closed ? 0 : (q.rows[0]?.left ?? 0) };
}

export async function returnQuota(tx: Queryable, quotaId: number, n: number): Promise<void> {
  await tx.query('UPDATE quotas SET sold = GREATEST(sold - $2, 0) WHERE id = $1', [quotaId, n]);
}

export interface OrderRow {
  id: number;
  venue_id: number;
  channel_id: number;
  ref: string;
  request_hash: string;
  response: unknown;
}

/** Claims (channel, ref) for a new order; undefined when the ref exists (then read it with findOrder). */
export async function insertOrder(
  tx: Queryable,
  o: {
    venueId: number;
    channelId: number;
    ref: string;
    requestHash: string;
    amountFen: number;
    customerName: string | null;
    customerPhone: string | null;
    idEnc: Buffer | null;
    idBidx: Buffer | null;
    idMasked: string | null;
    /** Keyed blind indexes of the ID number's last 4, 5 and 6 characters (hex). */
    idTails?: string[] | null;
    paidAt: Date | null;
    /** The short code people read out (the order desk finds orders by it). */
    code?: string | null;
    /** A window sale: the cashier's shift and user. */
    shiftId?: number | null;
    userId?: number | null;
    /** A group's order: its group code and guide. */
    group?: { code: string; guideName: string; guidePhone: string } | null;
  },
): Promise<number | undefined> {
  const r = await tx.query<{ id: number }>(
    `INSERT INTO orders (venue_id, channel_id, ref, request_hash, amount_fen, customer_name, customer_phone, id_number_enc, id_number_bidx, id_number_masked, paid_at,
                         code, shift_id, user_id, id_number_tails, group_code, guide_name, guide_phone)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
             (SELECT array_agg(decode(x, 'hex')) FROM unnest($15::text[]) AS x), $16, $17, $18)
     ON CONFLICT (channel_id, ref) DO NOTHING RETURNING id`,
    [
      o.venueId,
      o.channelId,
      o.ref,
      o.requestHash,
      o.amountFen,
      o.customerName,
      o.customerPhone,
      o.idEnc,
      o.idBidx,
      o.idMasked,
      o.paidAt,
      o.code ?? null,
      o.shiftId ?? null,
      o.userId ?? null,
      o.idTails ?? null,
      o.group?.code ?? null,
      o.group?.guideName ?? null,
      o.group?.guidePhone ?? null,
    ],
  );
  return r.rows[0]?.id;
}

export async function findOrder(
  tx: Queryable,
  channelId: number,
  ref: string,
  forUpdate = false,
): Promise<OrderRow | undefined> {
  const r = await tx.query<OrderRow>(
    `SELECT id, venue_id, channel_id, ref, request_hash, response FROM orders WHERE channel_id = $1 AND ref = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [channelId, ref],
  );
  return r.rows[0];
}

export async function setOrderResponse(tx: Queryable, orderId: number, response: unknown): Promise<void> {
  await tx.query('UPDATE orders SET response = $2 WHERE id = $1', [orderId, JSON.stringify(response)]);
}

export interface NewTicket {
  orderId: number;
  venueId: number;
  typeId: number;
  bundleTypeId: number | null;
  code: string;
  visitDate: string;
  validFrom: string;
  validTo: string;
  slotStart: string | null;
  slotEnd: string | null;
  quotaIds: number[];
  priceFen: number;
  /** Real-name tickets: the holder, with the ID number encrypted and indexed (hex), never in the clear. */
  holder?: { name: string; idEncHex: string; idBidxHex: string; idMasked: string; idTailsHex: string[] };
}

/** Inserts tickets; returns their ids in the order given. */
export async function insertTickets(tx: Queryable, rows: NewTicket[]): Promise<number[]> {
  if (!rows.length) return [];
  const r = await tx.query<{ id: number; code: string }>(
    `INSERT INTO tickets (order_id, venue_id, type_id, bundle_type_id, code, visit_date, valid_from, valid_to, slot_start, slot_end, quota_ids, price_fen,
                          holder_name, holder_id_enc, holder_id_bidx, holder_id_masked, holder_id_tails)
     SELECT o, v, t, b, c, vd, vf, vt, ss, se, COALESCE(string_to_array(NULLIF(q, ''), ',')::bigint[], '{}'), p,
            hn, decode(he, 'hex'), decode(hb, 'hex'), hm,
            CASE WHEN ht IS NULL THEN NULL ELSE (SELECT array_agg(decode(y, 'hex')) FROM unnest(string_to_array(ht, ',')) AS y) END
     FROM unnest($1::bigint[], $2::int[], $3::int[], $4::int[], $5::text[], $6::date[], $7::date[], $8::date[], $9::time[], $10::time[], $11::text[], $12::int[],
                 $13::text[], $14::text[], $15::text[], $16::text[], $17::text[])
       AS x(o, v, t, b, c, vd, vf, vt, ss, se, q, p, hn, he, hb, hm, ht)
     RETURNING id, code`,
    [
      rows.map((r) => r.orderId),
      rows.map((r) => r.venueId),
      rows.map((r) => r.typeId),
      rows.map((r) => r.bundleTypeId),
      rows.map((r) => r.code),
      rows.map((r) => r.visitDate),
      rows.map((r) => r.validFrom),
      rows.map((r) => r.validTo),
      rows.map((r) => r.slotStart),
      rows.map((r) => r.slotEnd),
      rows.map((r) => r.quotaIds.join(',')),
      rows.map((r) => r.priceFen),
      rows.map((r) => r.holder?.name ?? null),
      rows.map((r) => r.holder?.idEncHex ?? null),
      rows.map((r) => r.holder?.idBidxHex ?? null),
      rows.map((r) => r.holder?.idMasked ?? null),
      rows.map((r) => r.holder?.idTailsHex.join(',') ?? null),
    ],
  );
  const ids = new Map(r.rows.map((x) => [x.code, x.id]));
  return rows.map((t) => ids.get(t.code)!);
}

export interface SalesEventRow {
  at: Date;
  venueId: number;
  channelId: number;
  orderId: number;
  typeId: number;
  kind: 'sale' | 'refund';
  qty: number;
  amountFen: number;
  visitDate: string;
}

export async function insertSalesEvents(tx: Queryable, rows: SalesEventRow[]): Promise<void> {
  if (!rows.length) return;
  await tx.query(
    `INSERT INTO sales_events (at, venue_id, channel_id, order_id, type_id, kind, qty, amount_fen, visit_date)
     SELECT * FROM unnest($1::timestamptz[], $2::int[], $3::int[], $4::bigint[], $5::int[], $6::text[], $7::int[], $8::bigint[], $9::date[])`,
    [
      rows.map((r) => r.at),
      rows.map((r) => r.venueId),
      rows.map((r) => r.channelId),
      rows.map((r) => r.orderId),
      rows.map((r) => r.typeId),
      rows.map((r) => r.kind),
      rows.map((r) => r.qty),
      rows.map((r) => r.amountFen),
      rows.map((r) => r.visitDate),
    ],
  );
}

export interface OrderTicketRow {
  id: number;
  code: string;
  type_id: number;
  status: 'valid' | 'refunded' | 'replaced';
  entries: number;
  price_fen: number;
  visit_date: string;
  quota_ids: number[];
}

export async function lockOrderTickets(tx: Queryable, orderId: number): Promise<OrderTicketRow[]> {
  const r = await tx.query<OrderTicketRow>(
    'SELECT id, code, type_id, status, entries, price_fen, visit_date, quota_ids FROM tickets WHERE order_id = $1 ORDER BY id FOR UPDATE',
    [orderId],
  );
  return r.rows;
}

export async function markRefunded(tx: Queryable, ticketIds: number[]): Promise<void> {
  await tx.query("UPDATE tickets SET status = 'refunded', refunded_at = now() WHERE id = ANY($1::bigint[])", [
    ticketIds,
  ]);
}
