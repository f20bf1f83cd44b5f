import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../tests/helpers/app.ts';
import { backends, createPostgresTestDb, createTimescalePglite, type TestDb } from '../tests/helpers/backends.ts';
import { sellTickets, startGateTraffic, TEST_ID_NUMBER, type GateTraffic } from '../tests/helpers/gate-traffic.ts';
import { expectBackupError } from '../tests/helpers/backup-asserts.ts';
import { addTicketType } from '../tests/helpers/venue.ts';
import type { App } from '../server/app.ts';
import { CLI_ACTOR } from '../server/services/actor.ts';
import {
  backupToFile,
  idKeyFingerprint,
  restoreBackup,
  verifyBackupFile,
  writeBackup,
} from '../server/services/backup.ts';
import { createIdCrypto, parseMasterKey } from '../server/services/id-crypto.ts';
import { seedDemo } from '../server/services/seed.ts';
import { backupLines, RowChecksum, type BackupSummary } from './backup-format.ts';
import { listDataTables, resetSequences } from './backup.ts';
import { createDatabase, type Database } from './client.ts';
import { migrate } from './migrate.ts';

/** The tables the issue names: what the money, the tickets and the gates recorded. */
const KEY_TABLES = ['orders', 'tickets', 'gate_scans'];
/** Old scans already in gate_scans, so the snapshot is read in several chunks while the gates go on scanning. */
const HISTORY_SCANS = 10_000;
/** Scans the gates must get acknowledged while the backup is being written. */
const SCANS_DURING_BACKUP = 30;

const tmp = (name: string) => mkdtempSync(path.join(tmpdir(), `tw-backup-${name}-`));

async function counts(db: Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of KEY_TABLES) out[t] = (await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${t}`)).rows[0].n;
  return out;
}

/** md5 of each row's JSON text, rendered in UTC like the backup does. */
async function rowHashes(db: Database, table: string): Promise<Set<string>> {
  return db.transaction(async (tx) => {
    await tx.query("SET LOCAL TimeZone = 'UTC'");
    const r = await tx.query<{ h: string }>(`SELECT md5(to_jsonb(t)::text) AS h FROM ${table} t`);
    return new Set(r.rows.map((x) => x.h));
  });
}

/** A table's rows and checksum as they are now, taken by backing it up again. */
async function tablesOf(db: Database, dir: string): Promise<BackupSummary['tables']> {
  return (await backupToFile(db, path.join(dir, `check-${randomBytes(4).toString('hex')}.twbackup`))).tables;
}

/** Rewrites a backup with one row of a table changed, recomputing that table's checksum so only the database can object. */
function withAlteredRow(file: string, out: string, table: string, edit: (row: Record<string, unknown>) => void): void {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
  let inTable = false;
  let changed = false;
  const sum = new RowChecksum();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l === `@${JSON.stringify({ table })}`) inTable = true;
    else if (inTable && l.startsWith('{')) {
      if (!changed) {
        const row = JSON.parse(l);
        edit(row);
        lines[i] = JSON.stringify(row);
        changed = true;
      }
      sum.addText(lines[i]);
    } else if (inTable) {
      lines[i] = backupLines.tableEnd(table, sum).trimEnd();
      inTable = false;
    }
  }
  writeFileSync(out, gzipSync(lines.join('\n')));
}

describe.each(backends())('backups of $name taken while gates scan', (backend) => {
  let dir: string;
  let file: string;
  let src: TestDb;
  let app: App;
  let idKey: string;
  let traffic: GateTraffic;
  let summary: BackupSummary;
  let before: Record<string, number>;
  let atFirstWrite: Record<string, number>;
  let after: Record<string, number>;
  /** Restore targets, each a fresh database of another kind. */
  const targets: { name: string; t: TestDb }[] = [];

  beforeAll(async () => {
    // Made here, not when the file is collected: a filtered or skipped run leaves nothing behind.
    dir = tmp(backend.name);
    file = path.join(dir, 'live.twbackup');
    src = await backend.create();
    await migrate(src.db);
    const creds = await seedDemo(src.db, path.join(dir, 'seed'), CLI_ACTOR);
    const venueId = (await src.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    await addTicketType(src.db, venueId, 'T-SINGLE');
    await src.db.query(
      `INSERT INTO gate_scans (at, venue_id, zone_id, gate_id, device_id, scan_id, direction, result, reason)
       SELECT now() - INTERVAL '2 days' + i * INTERVAL '1 second', $1, z.id, g.id, 0, 'history-' || i, 'in',
              CASE WHEN i % 9 = 0 THEN 'reject' ELSE 'admit' END, CASE WHEN i % 9 = 0 THEN 'unknown' END
       FROM generate_series(1, $2::int) i, (SELECT min(id) AS id FROM zones) z, (SELECT min(id) AS id FROM gates) g`,
      [venueId, HISTORY_SCANS],
    );
    app = await startTestApp(src.db, { env: { TIDEWATCH_ID_KEY: randomBytes(32).toString('base64') } });
    idKey = app.runtime.config.idKey;
    const codes = await sellTickets(app, creds.channels.WECHAT, 'T-SINGLE', 120);
    traffic = await startGateTraffic(app, src.db, ['MG-01', 'MG-02', 'EG-01', 'EG-02'], codes, `bk-${backend.name}`);
    await traffic.more(20);
  });

  afterAll(async () => {
    await traffic?.stop();
    await app?.close();
    for (const { t } of targets) await t.cleanup().catch(() => {});
    await src?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('takes one consistent snapshot while scans keep being stored', { timeout: 300_000 }, async () => {
    before = await counts(src.db);
    // The destination waits, at its first bytes, until the gates have stored more scans: the
    // backup is then provably in progress while they write.
    const file$ = createWriteStream(file);
    let first = true;
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        const go = () => file$.write(chunk, (err) => cb(err ?? null));
        if (!first) return go();
        first = false;
        counts(src.db)
          .then((c) => {
            atFirstWrite = c;
            return traffic.more(SCANS_DURING_BACKUP);
          })
          .then(go, cb);
      },
      final(cb) {
        file$.end(() => cb());
      },
    });
    summary = await writeBackup(src.db, out, { idKey });
    after = await counts(src.db);
    // The rest restores this one backup; the gates would only compete with it for the CPU.
    await traffic.stop();

    const header = summary.header;
    expect(header.source).toMatchObject({ kind: src.db.kind, timescale: backend.name === 'pglite-timescaledb' });
    expect(header.migrations.length).toBeGreaterThan(0);
    expect(header.id_key.fingerprint).toBe(idKeyFingerprint(idKey));
    expect(header.id_key.encrypted_rows).toBeGreaterThan(0);
    expect(JSON.stringify(header)).not.toContain(idKey);
    for (const t of KEY_TABLES) {
      const n = header.tables.find((x) => x.name === t)!.rows;
      expect(summary.tables.find((x) => x.name === t)!.rows).toBe(n);
      // The snapshot is not older than the backup's start nor newer than its first bytes...
      expect(n).toBeGreaterThanOrEqual(before[t]);
      expect(n).toBeLessThanOrEqual(atFirstWrite[t]);
    }
    // ...and the gates went on storing scans that it does not hold.
    expect(after.gate_scans).toBeGreaterThanOrEqual(atFirstWrite.gate_scans + SCANS_DURING_BACKUP);
    expect(header.tables.find((x) => x.name === 'gate_scans')!.rows).toBeLessThan(after.gate_scans);
    expect((await verifyBackupFile(file)).tables).toEqual(summary.tables);
  });

  it('restores into a fresh embedded directory and a fresh PostgreSQL database with the same rows and checksums', {
    timeout: 300_000,
  }, async () => {
    const embedded = tmp(`${backend.name}-target`);
    const disk = await createDatabase({ dataDir: embedded });
    // PGlite's one session keeps this: the restore's checks must not depend on the session's zone.
    await disk.query("SET TimeZone = 'Asia/Shanghai'");
    targets.push({
      name: 'embedded directory',
      t: {
        db: disk,
        cleanup: async () => {
          await disk.close();
          rmSync(embedded, { recursive: true, force: true });
        },
      },
    });
    if (process.env.DATABASE_URL) targets.push({ name: 'PostgreSQL', t: await createPostgresTestDb() });
    // Plain PostgreSQL ↔ TimescaleDB: a backup of plain tables must also load into hypertables.
    if (backend.name !== 'pglite-timescaledb')
      targets.push({ name: 'PGlite + TimescaleDB', t: await createTimescalePglite() });

    const sourceScans = await rowHashes(src.db, 'gate_scans');
    const sourceOrders = await rowHashes(src.db, 'orders');
    const sourceTickets = new Set((await src.db.query<{ id: number }>('SELECT id FROM tickets')).rows.map((r) => r.id));
    for (const { name, t } of targets) {
      const r = await restoreBackup(t.db, file, { targetIdKey: idKey });
      expect(r.warnings, name).toEqual([]);
      expect(r.tables, name).toEqual(summary.tables);
      // Checked again from outside the restore: a fresh backup of the target has the same checksums.
      expect(await tablesOf(t.db, dir), name).toEqual(summary.tables);
      for (const table of KEY_TABLES) {
        const c = summary.tables.find((x) => x.name === table)!;
        expect(c.rows, `${name} ${table}`).toBe(summary.header.tables.find((x) => x.name === table)!.rows);
      }
      // Every restored row is one the source held (insert-only tables by content, tickets by id).
      for (const h of await rowHashes(t.db, 'gate_scans'))
        expect(sourceScans.has(h), `${name}: gate scan ${h}`).toBe(true);
      for (const h of await rowHashes(t.db, 'orders')) expect(sourceOrders.has(h), `${name}: order ${h}`).toBe(true);
      for (const { id } of (await t.db.query<{ id: number }>('SELECT id FROM tickets')).rows)
        expect(sourceTickets.has(id)).toBe(true);
      // One instant, not tables read at different times: each ticket's entries match its admitted scans.
      const drift = await t.db.query<{ n: number }>(
        `SELECT count(*) AS n FROM tickets k
         WHERE k.entries <> (SELECT count(*) FROM gate_scans s WHERE s.ticket_id = k.id AND s.result = 'admit' AND s.direction = 'in')`,
      );
      expect(drift.rows[0].n, name).toBe(0);
      // The ID-card numbers come back readable with the source's key.
      const enc = await t.db.query<{ id_number_enc: Buffer }>(
        'SELECT id_number_enc FROM orders WHERE id_number_enc IS NOT NULL LIMIT 1',
      );
      expect(createIdCrypto(parseMasterKey(idKey)).decrypt(Buffer.from(enc.rows[0].id_number_enc)), name).toBe(
        TEST_ID_NUMBER,
      );
      // New rows get fresh ids after the restore.
      const maxId = (await t.db.query<{ m: number }>('SELECT max(id) AS m FROM orders')).rows[0].m;
      const next = await t.db.query<{ id: number }>("SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id");
      expect(next.rows[0].id, name).toBe(maxId + 1);
      if (name === 'PGlite + TimescaleDB') {
        const raw = (
          await t.db.query<{ n: number }>(
            "SELECT count(*) AS n FROM gate_scans WHERE result = 'reject' OR direction = 'in'",
          )
        ).rows[0].n;
        const rolled = (
          await t.db.query<{ n: number }>('SELECT coalesce(sum(entries + rejects), 0) AS n FROM gate_scans_1m')
        ).rows[0].n;
        expect(rolled, 'the continuous aggregate covers the restored scans').toBe(raw);
      }
    }
  });

  it('refuses a target that is not empty, naming what is in it; --force replaces it in one go', {
    timeout: 300_000,
  }, async () => {
    for (const { name, t } of targets) {
      const refused = await expectBackupError(restoreBackup(t.db, file, { targetIdKey: idKey }), 'target_not_empty');
      expect(refused.message).toMatch(/gate_scans \d+/);
      expect(refused.message).toContain('--force');
      await t.db.query(
        "INSERT INTO audit_log (actor_kind, actor_label, action, subject_kind) VALUES ('cli', 'test', 'test.extra', 'test')",
      );
      await t.db.query('DELETE FROM scan_requests');
      await restoreBackup(t.db, file, { targetIdKey: idKey, force: true });
      expect(await tablesOf(t.db, dir), name).toEqual(summary.tables);
      // The audit log is append-only again after the restore lifted that to empty it.
      await expect(t.db.query("UPDATE audit_log SET reason = 'edited'")).rejects.toThrow(/append-only/);
      await expect(t.db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    }
  });

  it('refuses a damaged or truncated file and a row the database rejects, leaving the target as it was', {
    timeout: 300_000,
  }, async () => {
    const bytes = readFileSync(file);
    const truncated = path.join(dir, 'truncated.twbackup');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const flipped = path.join(dir, 'flipped.twbackup');
    const f = Buffer.from(bytes);
    f[Math.floor(f.length * 0.3)] ^= 0xff;
    writeFileSync(flipped, f);
    const badRow = path.join(dir, 'bad-row.twbackup');
    withAlteredRow(file, badRow, 'gates', (row) => (row.direction = 'sideways'));
    expect((await verifyBackupFile(badRow)).rows).toBe(summary.rows);

    for (const { name, t } of targets) {
      const e = await expectBackupError(restoreBackup(t.db, truncated, { force: true }), 'corrupt');
      expect(e.message).toMatch(/truncated/);
      await expectBackupError(restoreBackup(t.db, flipped, { force: true }), 'corrupt');
      // Passes every file check, then fails inside the load transaction: all of it rolls back.
      const failed = await expectBackupError(
        restoreBackup(t.db, badRow, { force: true, targetIdKey: idKey }),
        'restore_failed',
      );
      expect(failed.message).toMatch(/rolled back/);
      expect(await tablesOf(t.db, dir), name).toEqual(summary.tables);
    }
  });

  it('refuses a target configured with another ID-card key unless forced', { timeout: 300_000 }, async () => {
    const other = randomBytes(32).toString('hex');
    const fresh = await createDatabase({ dataDir: 'memory://' });
    try {
      const e = await expectBackupError(
        restoreBackup(fresh, file, { targetIdKey: other, targetIdKeySource: 'TIDEWATCH_ID_KEY' }),
        'id_key_mismatch',
      );
      expect(e.message).toContain(idKeyFingerprint(idKey)!);
      expect(e.message).toContain(idKeyFingerprint(other)!);
      expect(e.message).not.toContain(other);
      // Refused before anything was created in it.
      expect(
        (await fresh.query<{ t: string | null }>("SELECT to_regclass('public.orders')::text AS t")).rows[0].t,
      ).toBeNull();
      await expectBackupError(restoreBackup(fresh, file, {}), 'id_key_mismatch');
      const forced = await restoreBackup(fresh, file, { targetIdKey: other, force: true });
      expect(forced.warnings.join(' ')).toMatch(/another one/);
      // The same key written in hex instead of base64 is the same key.
      expect(idKeyFingerprint(parseMasterKey(idKey).toString('hex'))).toBe(idKeyFingerprint(idKey));
    } finally {
      await fresh.close();
    }
  });
});

describe('backups from another version of the schema', () => {
  let dir: string;
  let file: string;
  let old: Database;
  let summary: BackupSummary;

  beforeAll(async () => {
    dir = tmp('versions');
    file = path.join(dir, 'old.twbackup');
    // A Tidewatch that had applied migrations up to 0008 only, holding the demo's rows as far as
    // that schema has their columns (today's seed writes columns 0008 did not have).
    old = await createDatabase({ dataDir: 'memory://' });
    await migrate(old, () => {}, '0008');
    const current = await createDatabase({ dataDir: 'memory://' });
    try {
      await migrate(current);
      await seedDemo(current, path.join(dir, 'seed'), CLI_ACTOR);
      // 0008's users knew no housekeeping role (0017 added it): its demo user stays behind.
      await current.query("DELETE FROM users WHERE role = 'housekeeping'");
      await copyCommonColumns(current, old);
    } finally {
      await current.close();
    }
    await old.query(
      `INSERT INTO gate_scans (at, venue_id, zone_id, gate_id, device_id, scan_id, direction, result)
       SELECT now() - i * INTERVAL '1 minute', 1, 1, 1, 0, 'old-' || i, 'in', 'admit' FROM generate_series(1, 500) i`,
    );
    summary = await backupToFile(old, file);
  });
  afterAll(async () => {
    await old?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("rebuilds a target migrated beyond the backup at the backup's version, then upgrades the restored rows", {
    timeout: 300_000,
  }, async () => {
    expect(summary.header.migrations.at(-1)!.version).toBe('0008');
    const targets: TestDb[] = [{ db: await createDatabase({ dataDir: 'memory://' }), cleanup: async () => {} }];
    if (process.env.DATABASE_URL) targets.push(await createPostgresTestDb());
    for (const t of targets) {
      try {
        await migrate(t.db);
        await seedDemo(t.db, path.join(dir, 'seed-target'), CLI_ACTOR);
        await expectBackupError(restoreBackup(t.db, file), 'target_not_empty');
        const r = await restoreBackup(t.db, file, { force: true });
        expect(r.upgraded.map((m) => m.slice(0, 4))).toEqual(expect.arrayContaining(['0009', '0010']));
        const versions = (
          await t.db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')
        ).rows.map((x) => x.version);
        expect(versions.at(-1)! >= '0010').toBe(true);
        for (const table of ['gate_scans', 'tickets', 'orders', 'venues']) {
          const n = (await t.db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n;
          expect(n, table).toBe(summary.tables.find((x) => x.name === table)!.rows);
        }
        // Columns added after 0008 exist and hold their defaults.
        await t.db.query('SELECT rejects_by_reason FROM daily_counters LIMIT 1');
      } finally {
        await t.db.close().catch(() => {});
        await t.cleanup();
      }
    }
  });

  it('refuses a backup from a newer Tidewatch, with the migrations it does not know', async () => {
    const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
    const header = JSON.parse(lines[0]);
    header.tidewatch = '9.9.9';
    header.migrations.push({ version: '9999', name: 'from_the_future', variant: 'plain' });
    lines[0] = JSON.stringify(header);
    const newer = path.join(dir, 'newer.twbackup');
    writeFileSync(newer, gzipSync(lines.join('\n')));
    const fresh = await createDatabase({ dataDir: 'memory://' });
    try {
      const e = await expectBackupError(restoreBackup(fresh, newer), 'schema_mismatch');
      expect(e.message).toMatch(/9999_from_the_future.*Tidewatch 9\.9\.9 or newer/);
    } finally {
      await fresh.close();
    }
  });
});

/** Copies every row of `from` into `to`, in foreign-key order, for the columns both schemas have. */
async function copyCommonColumns(from: Database, to: Database): Promise<void> {
  const source = new Map((await listDataTables(from)).map((t) => [t.name, t]));
  for (const table of await listDataTables(to)) {
    const had = source.get(table.name);
    if (!had) continue;
    const names = new Set(had.columns.map((c) => c.name));
    const columns = table.columns.map((c) => c.name).filter((c) => names.has(c) && !table.generated.includes(c));
    if (columns.length === 0) continue;
    const list = columns.map((c) => `"${c}"`).join(', ');
    const rows = (
      await from.query<{ r: unknown }>(
        `SELECT json_agg(json_build_object(${columns.map((c) => `'${c}', "${c}"`).join(', ')})) AS r FROM ${table.name}`,
      )
    ).rows[0].r;
    if (!rows) continue;
    await to.query(
      `INSERT INTO ${table.name} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${table.name}, $1::json)`,
      [JSON.stringify(rows)],
    );
  }
  await resetSequences(to);
}
