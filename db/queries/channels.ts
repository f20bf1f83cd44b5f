import type { Queryable } from '../client.ts';

export interface ChannelRow {
  id: number;
  venue_id: number;
  code: string;
  name: string;
  kind: 'online' | 'ota' | 'window' | 'kiosk';
  revoked_at: Date | null;
}

export async function findActiveChannelByTokenHash(db: Queryable, tokenHash: Buffer): Promise<ChannelRow | undefined> {
  const r = await db.query<ChannelRow>(
    'SELECT id, venue_id, code, name, kind, revoked_at FROM channels WHERE token_hash = $1 AND revoked_at IS NULL',
    [tokenHash],
  );
  return r.rows[0];
}

export async function findChannel(db: Queryable, id: number): Promise<ChannelRow | undefined> {
  const r = await db.query<ChannelRow>(
    'SELECT id, venue_id, code, name, kind, revoked_at FROM channels WHERE id = $1',
    [id],
  );
  return r.rows[0];
}

export async function listChannels(db: Queryable, venueId: number): Promise<ChannelRow[]> {
  const r = await db.query<ChannelRow>(
    'SELECT id, venue_id, code, name, kind, revoked_at FROM channels WHERE venue_id = $1 ORDER BY code',
    [venueId],
  );
  return r.rows;
}

/**
 * Creates the channel, or gives an existing one a new token (the old token stops working).
 * Returns the id and whether it was new.
 */
export async function upsertChannelToken(
  db: Queryable,
  c: { venueId: number; code: string; name: string; kind: string; tokenHash: Buffer },
): Promise<{ id: number; created: boolean; before: Omit<ChannelRow, 'id' | 'venue_id'> | null }> {
  const prev = await db.query<ChannelRow>(
    'SELECT id, venue_id, code, name, kind, revoked_at FROM channels WHERE venue_id = $1 AND code = $2 FOR UPDATE',
    [c.venueId, c.code],
  );
  const r = await db.query<{ id: number }>(
    `INSERT INTO channels (venue_id, code, name, kind, token_hash) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (venue_id, code) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, token_hash = EXCLUDED.token_hash, revoked_at = NULL
     RETURNING id`,
    [c.venueId, c.code, c.name, c.kind, c.tokenHash],
  );
  const p = prev.rows[0];
  return {
    id: r.rows[0].id,
    created: !p,
    before: p ? { code: p.code, name: p.name, kind: p.kind, revoked_at: p.revoked_at } : null,
  };
}

/** Of these token hashes (hex), the ones that are still a channel's current token (not revoked, not rotated). */
export async function filterActiveChannelTokens(db: Queryable, hashesHex: string[]): Promise<string[]> {
  if (!hashesHex.length) return [];
  const r = await db.query<{ h: string }>(
    "SELECT encode(token_hash, 'hex') AS h FROM channels WHERE token_hash IN (SELECT decode(x, 'hex') FROM unnest($1::text[]) AS x) AND revoked_at IS NULL",
    [hashesHex],
  );
  return r.rows.map((x) => x.h);
}

/** True when this channel sold the ticket with this code (a channel may only fetch its own tickets' QR codes). */
export async function channelSoldTicket(db: Queryable, channelId: number, code: string): Promise<boolean> {
  const r = await db.query(
    'SELECT 1 FROM tickets t JOIN orders o ON o.id = t.order_id WHERE t.code = $1 AND o.channel_id = $2',
    [code, channelId],
  );
  return r.rows.length > 0;
}

/** Whether a group code belongs to an order this channel sold. */
export async function channelSoldGroup(db: Queryable, channelId: number, groupCode: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM orders WHERE group_code = $1 AND channel_id = $2', [groupCode, channelId]);
  return r.rows.length > 0;
}
