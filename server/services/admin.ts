import type { Database, Queryable } from '../../db/client.ts';
import { insertAudit } from '../../db/queries/audit.ts';
import { upsertChannelToken } from '../../db/queries/channels.ts';
import { insertDevice, revokeGateDevices } from '../../db/queries/devices.ts';
import { findGatesByCode, type GateRow } from '../../db/queries/gates.ts';
import { upsertUser } from '../../db/queries/users.ts';
import { findVenueByCode, listVenues, type VenueRow } from '../../db/queries/venues.ts';
import { AppError, fieldsOf } from '../../lib/errors.ts';
import {
  ZCreateChannel,
  ZCreateUser,
  ZGateRef,
  type TCreateChannel,
  type TCreateUser,
  type TGateRef,
} from '../../lib/schemas/admin.ts';
import type { TActor } from './actor.ts';
import { hashPassword, hashToken, newToken } from './secrets.ts';

function parse<T>(
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  input: unknown,
): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const fields = fieldsOf(r.error.issues);
  throw new AppError(
    'invalid',
    `invalid input: ${Object.entries(fields)
      .map(([k, v]) => `${k} ${v.join(', ')}`)
      .join('; ')}`,
    fields,
  );
}

async function venueByCode(db: Queryable, code: string): Promise<VenueRow> {
  const v = await findVenueByCode(db, code);
  if (!v) throw new AppError('not_found', `venue ${code} does not exist`);
  return v;
}

/** The venue a command means: the one named, or the only one there is. */
async function resolveVenue(db: Queryable, code: string | undefined): Promise<VenueRow> {
  if (code) return venueByCode(db, code);
  const all = await listVenues(db, 'all');
  if (all.length === 1) return all[0];
  if (!all.length)
    throw new AppError('not_found', 'there is no venue yet: run `npm run cli -- seed demo` or create one first');
  throw new AppError(
    'invalid',
    `there are ${all.length} venues (${all.map((v) => v.code).join(', ')}): name one with --venue`,
  );
}

async function resolveGate(db: Queryable, ref: TGateRef): Promise<GateRow> {
  const gates = await findGatesByCode(db, ref.gate, ref.venue);
  if (!gates.length)
    throw new AppError(
      'not_found',
      `gate ${ref.gate}${ref.venue ? ` in venue ${ref.venue}` : ''} does not exist (see \`npm run cli -- gate list\`)`,
    );
  if (gates.length > 1)
    throw new AppError(
      'invalid',
      `gate ${ref.gate} exists in venues ${gates.map((g) => g.venue_code).join(', ')}: name one with --venue`,
    );
  return gates[0];
}

/** Creates a user (or resets an existing one's role, password and venues). Audited as a role change. */
export async function createUser(db: Database, actor: TActor, input: TCreateUser | unknown): Promise<{ id: number }> {
  const u = parse(ZCreateUser, input);
  const passwordHash = await hashPassword(u.password);
  return db.transaction(async (tx) => {
    const venueIds = u.venues.length
      ? await Promise.all(u.venues.map(async (c) => (await venueByCode(tx, c)).id))
      : ('all' as const);
    const { id, before } = await upsertUser(tx, { email: u.email, name: u.name, passwordHash, role: u.role, venueIds });
    await insertAudit(tx, {
      actorKind: actor.kind,
      actorId: actor.id,
      actorLabel: actor.label,
      action: before ? 'user.update' : 'user.create',
      subjectKind: 'user',
      subjectId: id,
      before: before
        ? {
            email: before.email,
            role: before.role,
            venues: before.all_venues ? 'all' : before.venue_ids,
            disabled: !!before.disabled_at,
          }
        : null,
      after: { email: u.email, role: u.role, venues: venueIds },
    });
    return { id };
  });
}

/** Registers a new device for a gate; returns the bearer token, which is never stored or shown again. */
export async function createDevice(
  db: Database,
  actor: TActor,
  input: TGateRef | unknown,
): Promise<{ id: number; token: string; gate: GateRow }> {
  const ref = parse(ZGateRef, input);
  const token = newToken('device');
  return db.transaction(async (tx) => {
    const gate = await resolveGate(tx, ref);
    const id = await insertDevice(tx, gate.id, hashToken(token));
    await insertAudit(tx, {
      actorKind: actor.kind,
      actorId: actor.id,
      actorLabel: actor.label,
      action: 'device.create',
      venueId: gate.venue_id,
      subjectKind: 'device',
      subjectId: id,
      after: { gate: gate.code },
    });
    return { id, token, gate };
  });
}

/** Revokes every device of a gate; connected ones are disconnected by the revocation sweep. */
export async function revokeDevices(
  db: Database,
  actor: TActor,
  input: TGateRef | unknown,
): Promise<{ revoked: number[]; gate: GateRow }> {
  const ref = parse(ZGateRef, input);
  return db.transaction(async (tx) => {
    const gate = await resolveGate(tx, ref);
    const revoked = await revokeGateDevices(tx, gate.id);
    if (revoked.length) {
      await insertAudit(tx, {
        actorKind: actor.kind,
        actorId: actor.id,
        actorLabel: actor.label,
        action: 'device.revoke',
        venueId: gate.venue_id,
        subjectKind: 'gate',
        subjectId: gate.id,
        before: { devices: revoked },
        after: { devices: [] },
      });
    }
    return { revoked, gate };
  });
}

/** Creates a sales channel (or issues a new token for an existing one); returns the token once. */
export async function createChannel(
  db: Database,
  actor: TActor,
  input: TCreateChannel | unknown,
): Promise<{ id: number; token: string; created: boolean }> {
  const c = parse(ZCreateChannel, input);
  const token = newToken('channel');
  return db.transaction(async (tx) => {
    const venue = await resolveVenue(tx, c.venue);
    const r = await upsertChannelToken(tx, {
      venueId: venue.id,
      code: c.code,
      name: c.name ?? c.code,
      kind: c.kind,
      tokenHash: hashToken(token),
    });
    await insertAudit(tx, {
      actorKind: actor.kind,
      actorId: actor.id,
      actorLabel: actor.label,
      action: r.created ? 'channel.create' : 'channel.rotate_token',
      venueId: venue.id,
      subjectKind: 'channel',
      subjectId: r.id,
      before: r.before,
      after: { code: c.code, kind: c.kind },
    });
    return { id: r.id, token, created: r.created };
  });
}
