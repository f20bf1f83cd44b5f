import type { Database, Queryable } from '../../db/client.ts';
import { insertAudit } from '../../db/queries/audit.ts';
import { listChannels, upsertChannelToken } from '../../db/queries/channels.ts';
import { insertDevice, revokeGateDevices } from '../../db/queries/devices.ts';
import { findGatesByCode, listGates, type GateRow } from '../../db/queries/gates.ts';
import { findUserById, setUserRoleAndState, upsertUser } from '../../db/queries/users.ts';
import { findVenueByCode, listVenues, type VenueRow } from '../../db/queries/venues.ts';
import { AppError, parseInput } from '../../lib/errors.ts';
import type { TRole } from '../../lib/roles.ts';
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

/** The venues an admin may give and take: all of them, or the ones of their own scope. */
type TActorVenues = number[] | 'all';

/** Whether an admin scoped to `mine` may manage a user who sees `theirs`. */
function manages(mine: TActorVenues, theirs: { all_venues: boolean; venue_ids: number[] } | number[] | 'all'): boolean {
  if (mine === 'all') return true;
  const venues = Array.isArray(theirs) ? theirs : theirs === 'all' || theirs.all_venues ? 'all' : theirs.venue_ids;
  return venues !== 'all' && venues.every((v) => mine.includes(v));
}

const outsideYourVenues = (what: string) =>
  new AppError('forbidden', `${what} does not exist or is outside your venues`);

/**
 * Creates a user (or resets an existing one's role, password and venues). Audited as a role change.
 * An admin scoped to some venues gives only those, and manages only users within them.
 */
export async function createUser(
  db: Database,
  actor: TActor,
  input: TCreateUser | unknown,
  actorVenues: TActorVenues = 'all',
): Promise<{ id: number }> {
  const u = parseInput(ZCreateUser, input);
  const passwordHash = await hashPassword(u.password);
  return db.transaction(async (tx) => {
    const venueIds = u.venues.length
      ? await Promise.all(u.venues.map(async (c) => (await venueByCode(tx, c)).id))
      : ('all' as const);
    if (!manages(actorVenues, venueIds))
      throw outsideYourVenues(u.venues.length ? `venue ${u.venues.join(', ')}` : 'all venues');
    const { id, before } = await upsertUser(tx, { email: u.email, name: u.name, passwordHash, role: u.role, venueIds });
    if (before && !manages(actorVenues, before)) throw outsideYourVenues(`user ${u.email}`);
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
  const ref = parseInput(ZGateRef, input);
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
  const ref = parseInput(ZGateRef, input);
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
  const c = parseInput(ZCreateChannel, input);
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

/**
 * Changes a user's role or disables/enables the account; effective on the user's next request.
 * Nobody disables themselves or takes away their own admin role. Audited as a role change.
 */
export async function updateUser(
  db: Database,
  actor: TActor,
  input: { id: number; role?: TRole; disabled?: boolean },
  actorVenues: TActorVenues = 'all',
): Promise<{ ok: true }> {
  if (actor.id === input.id && (input.disabled || (input.role && input.role !== 'admin'))) {
    throw new AppError('invalid', 'you cannot disable yourself or remove your own admin role');
  }
  return db.transaction(async (tx) => {
    const before = await findUserById(tx, input.id);
    if (!before || !manages(actorVenues, before)) throw outsideYourVenues(`user ${input.id}`);
    await setUserRoleAndState(tx, input.id, { role: input.role, disabled: input.disabled });
    const after = await findUserById(tx, input.id);
    await insertAudit(tx, {
      actorKind: actor.kind,
      actorId: actor.id,
      actorLabel: actor.label,
      action: 'user.update',
      subjectKind: 'user',
      subjectId: input.id,
      before: { role: before.role, disabled: !!before.disabled_at },
      after: { role: after?.role, disabled: !!after?.disabled_at },
    });
    return { ok: true as const };
  });
}

/** A venue's gates as the admin page lists them. */
export async function venueGates(db: Queryable, venueId: number) {
  return (await listGates(db, venueId)).map((g) => ({
    id: g.id,
    code: g.code,
    zoneCode: g.zone_code,
    direction: g.direction,
    kind: g.kind,
    nameZh: g.name_zh,
    nameEn: g.name_en,
  }));
}

/** A venue's sales channels as the admin page lists them (tokens are never shown again). */
export async function venueChannels(db: Queryable, venueId: number) {
  return (await listChannels(db, venueId)).map((c) => ({
    id: c.id,
    code: c.code,
    name: c.name,
    kind: c.kind,
    revoked: !!c.revoked_at,
  }));
}
