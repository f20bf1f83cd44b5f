import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { findActiveDeviceByTokenHash } from '../../db/queries/devices.ts';
import { AppError } from '../../lib/errors.ts';
import { backends, type TestDb } from '../../tests/helpers/backends.ts';
import { CLI_ACTOR } from './actor.ts';
import { createChannel, createDevice, createUser, revokeDevices, updateUser } from './admin.ts';
import { createSecondVenue } from '../../tests/helpers/second-venue.ts';
import { hashToken, verifyPassword } from './secrets.ts';
import { DEMO_USERS, readDemoCredentials, seedDemo } from './seed.ts';

describe.each(backends())('admin services and demo seed on $name', (backend) => {
  let t: TestDb;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tw-seed-'));
  const count = async (table: string) =>
    (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
  beforeAll(async () => {
    t = await backend.create();
    await migrate(t.db);
    await seedDemo(t.db, dataDir, CLI_ACTOR);
  });
  afterAll(async () => t?.cleanup());

  it('seeds a believable venue: 8+ zones, 20+ gates, a user per role, a device per gate', async () => {
    expect(await count('zones')).toBeGreaterThanOrEqual(8);
    const gates = await count('gates');
    expect(gates).toBeGreaterThanOrEqual(20);
    const roles = (await t.db.query<{ role: string }>('SELECT DISTINCT role FROM users')).rows
      .map((r) => r.role)
      .sort();
    expect(roles).toEqual(DEMO_USERS.map((u) => u.role).sort());
    const creds = readDemoCredentials(dataDir)!;
    expect(Object.keys(creds.devices)).toHaveLength(gates);
    // Every token written for the simulator authenticates as the device of its own gate.
    for (const [gateCode, token] of Object.entries(creds.devices).slice(0, 5)) {
      expect((await findActiveDeviceByTokenHash(t.db, hashToken(token)))?.gate_code).toBe(gateCode);
    }
  });

  it('seeding again changes nothing', async () => {
    const before = await Promise.all(
      ['venues', 'zones', 'gates', 'devices', 'channels', 'users', 'audit_log'].map(count),
    );
    const credsBefore = readDemoCredentials(dataDir);
    await seedDemo(t.db, dataDir, CLI_ACTOR);
    const after = await Promise.all(
      ['venues', 'zones', 'gates', 'devices', 'channels', 'users', 'audit_log'].map(count),
    );
    expect(after).toEqual(before);
    expect(readDemoCredentials(dataDir)).toEqual(credsBefore);
  });

  it('stores device tokens only as hashes and audits the creation', async () => {
    const { token, id } = await createDevice(t.db, CLI_ACTOR, { gate: 'MG-01' });
    expect(token).toMatch(/^twd_[A-Za-z0-9_-]{43}$/);
    const row = (await t.db.query<{ token_hash: Buffer }>('SELECT token_hash FROM devices WHERE id = $1', [id]))
      .rows[0];
    expect(Buffer.from(row.token_hash).equals(hashToken(token))).toBe(true);
    const stored = JSON.stringify((await t.db.query('SELECT * FROM devices WHERE id = $1', [id])).rows);
    expect(stored).not.toContain(token.slice(4, 20));
    const audit = await t.db.query("SELECT 1 FROM audit_log WHERE action = 'device.create' AND subject_id = $1", [
      String(id),
    ]);
    expect(audit.rows).toHaveLength(1);
  });

  it('revokes every device of a gate so its token no longer authenticates', async () => {
    const { token } = await createDevice(t.db, CLI_ACTOR, { gate: 'EG-01' });
    const r = await revokeDevices(t.db, CLI_ACTOR, { gate: 'EG-01' });
    expect(r.revoked.length).toBeGreaterThanOrEqual(2);
    expect(await findActiveDeviceByTokenHash(t.db, hashToken(token))).toBeUndefined();
  });

  it('gives typed errors for bad input', async () => {
    await expect(createDevice(t.db, CLI_ACTOR, { gate: 'NOPE-9' })).rejects.toMatchObject({ code: 'not_found' });
    const err = await createUser(t.db, CLI_ACTOR, { email: 'x', role: 'king', password: '1' }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(Object.keys((err as AppError).fields ?? {}).sort()).toEqual(['email', 'password', 'role']);
    await expect(createChannel(t.db, CLI_ACTOR, { code: 'x y', kind: 'shop' })).rejects.toMatchObject({
      code: 'invalid',
    });
  });

  it('creates users with an argon2id hash and audits role changes', async () => {
    await createUser(t.db, CLI_ACTOR, {
      email: 'Ops.Lead@Example.com',
      role: 'operator',
      password: 'correct horse battery',
    });
    await createUser(t.db, CLI_ACTOR, {
      email: 'ops.lead@example.com',
      role: 'manager',
      password: 'correct horse battery',
      venues: ['YUNLING'],
    });
    const u = (
      await t.db.query<{ password_hash: string; role: string }>(
        "SELECT password_hash, role FROM users WHERE email = 'ops.lead@example.com'",
      )
    ).rows[0];
    expect(u.role).toBe('manager');
    expect(u.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(u.password_hash, 'correct horse battery')).toBe(true);
    const audit = await t.db.query<{ before: { role: string }; after: { role: string } }>(
      "SELECT before, after FROM audit_log WHERE action = 'user.update' ORDER BY id DESC LIMIT 1",
    );
    expect(audit.rows[0].before.role).toBe('operator');
    expect(audit.rows[0].after.role).toBe('manager');
  });

  it('rotates a channel token when the channel is created again', async () => {
    const a = await createChannel(t.db, CLI_ACTOR, { code: 'AGENCY-7', kind: 'ota' });
    const b = await createChannel(t.db, CLI_ACTOR, { code: 'AGENCY-7', kind: 'ota' });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(a.id).toBe(b.id);
    const row = (await t.db.query<{ token_hash: Buffer }>('SELECT token_hash FROM channels WHERE id = $1', [a.id]))
      .rows[0];
    expect(Buffer.from(row.token_hash).equals(hashToken(b.token))).toBe(true);
  });

  it('lets an admin of some venues give and change only those venues', async () => {
    const b = await createSecondVenue(t.db, 'ADMIN-B');
    const yunling = (await t.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    const actor = { kind: 'user' as const, id: 1, label: 'scoped-admin@scope.test' };
    const make = (email: string, venues: string[]) =>
      createUser(t.db, actor, { email, name: email, role: 'manager', password: 'scoped-password-1', venues }, [
        yunling,
      ]);
    const mine = await make('own-venue@scope.test', ['YUNLING']);
    const auditBefore = await count('audit_log');
    for (const venues of [['ADMIN-B'], []]) {
      await expect(make(`other-${venues.length}@scope.test`, venues)).rejects.toMatchObject({ code: 'forbidden' });
    }
    const theirs = await createUser(t.db, CLI_ACTOR, {
      email: 'b-manager@scope.test',
      name: 'b',
      role: 'manager',
      password: 'scoped-password-1',
      venues: ['ADMIN-B'],
    });
    const auditMid = await count('audit_log');
    // Neither resetting nor disabling a user of another venue.
    await expect(make('b-manager@scope.test', ['YUNLING'])).rejects.toMatchObject({ code: 'forbidden' });
    await expect(updateUser(t.db, actor, { id: theirs.id, disabled: true }, [yunling])).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(await count('audit_log')).toBe(auditMid);
    expect(auditMid).toBe(auditBefore + 1);
    await updateUser(t.db, actor, { id: mine.id, disabled: true }, [yunling]);
    expect(b.venueId).toBeGreaterThan(0);
  });
});
