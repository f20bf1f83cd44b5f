import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../../db/client.ts';
import { findActiveChannelByTokenHash } from '../../db/queries/channels.ts';
import { findActiveDeviceByTokenHash } from '../../db/queries/devices.ts';
import { listGates, upsertGate } from '../../db/queries/gates.ts';
import { setTypeGraphRules, setTypeRides, upsertAttraction } from '../../db/queries/attractions.ts';
import { setShowTimes } from '../../db/queries/shows.ts';
import { insertAudit } from '../../db/queries/audit.ts';
import { findOpenShift, insertShift } from '../../db/queries/front-desk.ts';
import { findUserForSignIn } from '../../db/queries/users.ts';
import { upsertVenue, upsertZone } from '../../db/queries/venues.ts';
import { DEMO_VENUE } from '../../db/seed/demo-venue.ts';
import { seedDemoHotel } from '../../db/seed/demo-hotel.ts';
import { DEMO_DAILY_QUOTA, DEMO_HOLIDAYS, DEMO_SLOTS, DEMO_TICKET_TYPES } from '../../db/seed/demo-tickets.ts';
import { upsertHoliday, upsertSlotTemplate, upsertTicketType } from '../../db/queries/sales.ts';
import type { TRole } from '../../lib/roles.ts';
import type { TActor } from './actor.ts';
import { createChannel, createDevice, createUser } from './admin.ts';
import { hashToken } from './secrets.ts';

/** Demo sign-ins, one per role (listed in the README). */
export const DEMO_PASSWORD = 'tidewatch-demo';
export const DEMO_USERS: { email: string; name: string; role: TRole }[] = [
  { email: 'admin@demo.tidewatch', name: '系统管理员 Admin', role: 'admin' },
  { email: 'manager@demo.tidewatch', name: '值班经理 Duty Manager', role: 'manager' },
  { email: 'operator@demo.tidewatch', name: '指挥中心值班员 Operator', role: 'operator' },
  { email: 'frontdesk@demo.tidewatch', name: '酒店前台 Front Desk', role: 'frontdesk' },
  { email: 'finance@demo.tidewatch', name: '财务对账 Finance', role: 'finance' },
  { email: 'housekeeping@demo.tidewatch', name: '客房服务 Housekeeping', role: 'housekeeping' },
];
export const DEMO_CHANNELS = [
  { code: 'WECHAT', name: '官方微信商城 Official WeChat shop', kind: 'online' },
  { code: 'CTRIP', name: '携程 Ctrip', kind: 'ota' },
  { code: 'MEITUAN', name: '美团 Meituan', kind: 'ota' },
  { code: 'WINDOW-1', name: '南门售票窗口 South ticket window', kind: 'window' },
  { code: 'KIOSK-1', name: '自助售取票机 Kiosk 1', kind: 'kiosk' },
] as const;

/** What the simulator needs to connect: demo device and channel tokens, kept beside the data. */
export interface DemoCredentials {
  venue: string;
  devices: Record<string, string>;
  channels: Record<string, string>;
}

export function demoCredentialsPath(dataDir: string): string {
  return path.join(dataDir, 'demo-credentials.json');
}

export function readDemoCredentials(dataDir: string): DemoCredentials | undefined {
  const file = demoCredentialsPath(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials;
  } catch {
    return undefined;
  }
}

/**
 * Seeds the demo venue: zones, gates, one user per role, sales channels and one device per gate.
 * Idempotent: running it again changes nothing that is already in place; device and channel tokens
 * whose plaintext was lost are reissued.
 */
export async function seedDemo(
  db: Database,
  dataDir: string,
  actor: TActor,
  log: (m: string) => void = () => {},
): Promise<DemoCredentials> {
  const v = DEMO_VENUE;
  const venueId = await db.transaction(async (tx) => {
    const id = await upsertVenue(tx, {
      code: v.code,
      name_zh: v.nameZh,
      name_en: v.nameEn,
      timezone: v.timezone,
      capacity: v.capacity,
      plan: v.plan,
    });
    const zoneIds = new Map<string, number>();
    for (const z of v.zones) {
      zoneIds.set(
        z.code,
        await upsertZone(tx, {
          venue_id: id,
          code: z.code,
          name_zh: z.nameZh,
          name_en: z.nameEn,
          kind: z.kind,
          capacity: z.capacity,
          warn_ratio: z.warnRatio,
          critical_ratio: z.criticalRatio,
          polygon: z.polygon,
        }),
      );
    }
    const attractionIds = new Map<string, number>();
    for (const [sort, a] of v.attractions.entries())
      attractionIds.set(
        a.code,
        await upsertAttraction(tx, {
          venue_id: id,
          code: a.code,
          name_zh: a.nameZh,
          name_en: a.nameEn,
          kind: a.kind,
          hourly_capacity: a.hourlyCapacity,
          opens: a.opens,
          closes: a.closes,
          ride_gap_min: a.rideGapMin,
          points: a.points,
          sort,
        }),
      );
    // Show times (演出场次) with their seats, and the doors before each.
    for (const a of v.attractions)
      if (a.shows) await setShowTimes(tx, attractionIds.get(a.code)!, a.shows, a.doorsMin ?? 30);
    for (const g of v.gates) {
      const zoneId = zoneIds.get(g.zoneCode);
      if (!zoneId) throw new Error(`demo venue: gate ${g.code} names unknown zone ${g.zoneCode}`);
      const otherZoneId = g.otherZoneCode ? zoneIds.get(g.otherZoneCode) : null;
      if (otherZoneId === undefined)
        throw new Error(`demo venue: gate ${g.code} names unknown zone ${g.otherZoneCode}`);
      const attractionId = g.attraction ? attractionIds.get(g.attraction) : null;
      if (attractionId === undefined)
        throw new Error(`demo venue: gate ${g.code} names unknown attraction ${g.attraction}`);
      await upsertGate(tx, {
        venue_id: id,
        zone_id: zoneId,
        code: g.code,
        name_zh: g.nameZh,
        name_en: g.nameEn,
        direction: g.direction,
        kind: g.kind,
        position: g.position,
        edge: g.edge,
        other_zone_id: otherZoneId,
        attraction_id: attractionId,
      });
    }
    await tx.query('UPDATE venues SET daily_quota = $2 WHERE id = $1', [id, DEMO_DAILY_QUOTA]);
    for (const [starts, ends, capacity] of DEMO_SLOTS) await upsertSlotTemplate(tx, id, starts, ends, capacity);
    for (const [day, zh, en] of DEMO_HOLIDAYS) await upsertHoliday(tx, id, day, zh, en);
    for (const [sort, t] of DEMO_TICKET_TYPES.entries()) {
      const typeId = await upsertTicketType(tx, {
        venue_id: id,
        code: t.code,
        name_zh: t.nameZh,
        name_en: t.nameEn,
        category: t.category,
        price_fen: t.price,
        weekend_price_fen: t.weekend ?? null,
        holiday_price_fen: t.holiday ?? null,
        validity: t.validity ?? 'date',
        valid_days: t.validDays ?? 1,
        season_from: t.season?.[0] ?? null,
        season_to: t.season?.[1] ?? null,
        entry_policy: t.entryPolicy ?? 'single',
        anti_passback: t.antiPassback ?? true,
        max_entries_per_day: t.maxPerDay ?? null,
        slot_required: t.slot ?? false,
        entry_window_before_min: 15,
        allowed_zone_ids: t.zones ? t.zones.map((c) => zoneIds.get(c)!).filter((z) => z !== undefined) : null,
        bundle: t.bundle ?? null,
        draws_day_quota: t.drawsDayQuota ?? true,
        active: true,
        sort,
        real_name: t.realName ?? false,
      });
      await setTypeGraphRules(tx, typeId, {
        parkEntry: t.parkEntry ?? true,
        points: t.points ?? null,
        hoursFrom: t.hours?.[0] ?? null,
        hoursTo: t.hours?.[1] ?? null,
      });
      await setTypeRides(
        tx,
        typeId,
        (t.rides ?? []).map((r) => {
          const attractionId = attractionIds.get(r.attraction);
          if (attractionId === undefined)
            throw new Error(`demo ticket ${t.code} names unknown attraction ${r.attraction}`);
          return { attractionId, rides: r.rides, shareFen: r.share };
        }),
      );
    }
    return id;
  });
  log(
    `venue ${v.code}: ${v.zones.length} zones, ${v.gates.length} gates, ${v.attractions.length} attractions, ${DEMO_TICKET_TYPES.length} ticket types, ${DEMO_SLOTS.length} time slots`,
  );

  for (const u of DEMO_USERS) {
    if (await findUserForSignIn(db, u.email)) continue;
    await createUser(db, actor, {
      email: u.email,
      name: u.name,
      role: u.role,
      password: DEMO_PASSWORD,
      venues: u.role === 'admin' ? [] : [v.code],
    });
    log(`user ${u.email} (${u.role})`);
  }

  const prev = readDemoCredentials(dataDir);
  const creds: DemoCredentials = { venue: v.code, devices: {}, channels: {} };
  for (const c of DEMO_CHANNELS) {
    const old = prev?.channels[c.code];
    if (old && (await findActiveChannelByTokenHash(db, hashToken(old)))?.code === c.code) {
      creds.channels[c.code] = old;
      continue;
    }
    creds.channels[c.code] = (
      await createChannel(db, actor, { code: c.code, kind: c.kind, name: c.name, venue: v.code })
    ).token;
    log(`channel ${c.code} (${c.kind})`);
  }
  await openDemoShift(db, actor, venueId, log);
  await seedDemoHotel(db, actor, venueId, log);
  const gates = (await listGates(db, venueId)).filter((g) => g.venue_code === v.code);
  for (const g of gates) {
    const old = prev?.devices[g.code];
    if (old && (await findActiveDeviceByTokenHash(db, hashToken(old)))?.gate_id === g.id) {
      creds.devices[g.code] = old;
      continue;
    }
    creds.devices[g.code] = (await createDevice(db, actor, { gate: g.code, venue: v.code })).token;
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(demoCredentialsPath(dataDir), JSON.stringify(creds, null, 2), { mode: 0o600 });
  log(`demo device and channel tokens written to ${demoCredentialsPath(dataDir)}`);
  return creds;
}

/** The demo cashier's float when the seed opens their shift (yuan). */
const DEMO_FLOAT = 500;

/**
 * A window shift ready for the demo cashier (frontdesk@demo at WINDOW-1, float 500), so the window
 * sells at once; kept as it is when the cashier or the window already has one open.
 */
async function openDemoShift(db: Database, actor: TActor, venueId: number, log: (m: string) => void): Promise<void> {
  const cashier = await findUserForSignIn(db, 'frontdesk@demo.tidewatch');
  const window = await db.query<{ id: number }>("SELECT id FROM channels WHERE code = 'WINDOW-1' AND venue_id = $1", [
    venueId,
  ]);
  if (!cashier || !window.rows[0]) return;
  await db.transaction(async (tx) => {
    if (
      (await findOpenShift(tx, { userId: cashier.id })) ||
      (await findOpenShift(tx, { channelId: window.rows[0].id }))
    )
      return;
    const id = await insertShift(tx, {
      venueId,
      channelId: window.rows[0].id,
      userId: cashier.id,
      floatFen: DEMO_FLOAT * 100,
    });
    if (id === undefined) return;
    await insertAudit(tx, {
      actorKind: actor.kind,
      actorId: actor.id,
      actorLabel: actor.label,
      action: 'shift.open',
      venueId,
      subjectKind: 'shift',
      subjectId: id,
      after: { window: 'WINDOW-1', cashier: cashier.email, openingFloat: DEMO_FLOAT },
    });
    log(`shift ${id} open for ${cashier.email} at WINDOW-1 (float ${DEMO_FLOAT})`);
  });
}
