import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, createPostgresTestDb, type TestDb } from '../tests/helpers/backends.ts';
import { listMigrations, migrate } from './migrate.ts';

describe.each(backends())('migrations on $name', (backend) => {
  let t: TestDb;
  let first: Awaited<ReturnType<typeof migrate>>;
  beforeAll(async () => {
    t = await backend.create();
    first = await migrate(t.db);
  });
  afterAll(async () => t?.cleanup());

  it('applies every migration once, in order, and is idempotent', async () => {
    const versions = listMigrations().map((m) => m.version);
    expect(versions.slice(0, 3)).toEqual(['0001', '0002', '0003']);
    expect(first.applied.map((a) => a.slice(0, 4))).toEqual(versions);
    expect((await migrate(t.db)).applied).toEqual([]);
    const rows = (
      await t.db.query<{ version: string; variant: string }>(
        'SELECT version, variant FROM schema_migrations ORDER BY version',
      )
    ).rows;
    expect(rows.map((r) => r.version)).toEqual(versions);
    expect(new Set(rows.map((r) => r.variant))).toEqual(new Set([first.timescale ? 'timescale' : 'plain']));
  });

  it('takes the TimescaleDB path exactly when the extension is there', async () => {
    expect(first.timescale).toBe(backend.name === 'pglite-timescaledb');
    if (first.timescale) {
      const ht = await t.db.query<{ hypertable_name: string }>(
        'SELECT hypertable_name FROM timescaledb_information.hypertables',
      );
      expect(ht.rows.map((r) => r.hypertable_name)).toEqual(
        expect.arrayContaining(['device_heartbeats', 'gate_scans', 'sales_events']),
      );
      const cagg = await t.db.query<{ view_name: string }>(
        'SELECT view_name FROM timescaledb_information.continuous_aggregates',
      );
      expect(cagg.rows.map((r) => r.view_name)).toEqual(
        expect.arrayContaining(['device_heartbeats_1m', 'gate_scans_1m', 'sales_1m']),
      );
      const jobs = await t.db.query<{ proc_name: string }>('SELECT proc_name FROM timescaledb_information.jobs');
      expect(jobs.rows.map((r) => r.proc_name)).toEqual(
        expect.arrayContaining(['policy_retention', 'policy_compression', 'policy_refresh_continuous_aggregate']),
      );
    }
  });

  it('gives the same per-minute heartbeat rollup with or without TimescaleDB', async () => {
    const base = Date.UTC(2026, 10, 22, 8, 0, 0);
    const rows: [number, number, number | null][] = [
      [0, 3, 90],
      [20_000, 5, 88],
      [59_999, 1, null],
      [60_000, 0, 87],
      [125_000, 7, 50],
    ];
    for (const [dt, queue, battery] of rows) {
      await t.db.query(
        'INSERT INTO device_heartbeats (at, device_id, gate_id, queue, battery) VALUES ($1, 1, 42, $2, $3)',
        [new Date(base + dt), queue, battery],
      );
    }
    const r = await t.db.query<{ bucket: Date; beats: number; max_queue: number; min_battery: number | null }>(
      'SELECT bucket, beats, max_queue, min_battery FROM device_heartbeats_1m WHERE gate_id = 42 ORDER BY bucket',
    );
    expect(r.rows.map((x) => [new Date(x.bucket).getTime() - base, x.beats, x.max_queue, x.min_battery])).toEqual([
      [0, 3, 5, 88],
      [60_000, 1, 0, 87],
      [120_000, 1, 7, 50],
    ]);
  });

  it('gives the same per-minute scan and sales rollups with or without TimescaleDB', async () => {
    const base = Date.UTC(2026, 10, 22, 9, 0, 0);
    const scans: [number, string, string, boolean][] = [
      [1_000, 'in', 'admit', false],
      [2_000, 'in', 'reject', false],
      [59_000, 'out', 'admit', false],
      [61_000, 'in', 'admit', true],
    ];
    for (const [dt, dir, result, conflict] of scans) {
      await t.db.query(
        `INSERT INTO gate_scans (at, venue_id, zone_id, gate_id, device_id, scan_id, direction, result, offline, conflict)
         VALUES ($1, 7, 3, 9, 1, $2, $3, $4, $5, $5)`,
        [new Date(base + dt), `r-${dt}`, dir, result, conflict],
      );
    }
    const g = await t.db.query<{ bucket: Date; entries: number; exits: number; rejects: number; conflicts: number }>(
      'SELECT bucket, entries, exits, rejects, conflicts FROM gate_scans_1m WHERE venue_id = 7 ORDER BY bucket',
    );
    expect(
      g.rows.map((r) => [new Date(r.bucket).getTime() - base, r.entries, r.exits, r.rejects, r.conflicts]),
    ).toEqual([
      [0, 1, 1, 1, 0],
      [60_000, 1, 0, 0, 1],
    ]);
    await t.db.query(
      `INSERT INTO sales_events (at, venue_id, channel_id, order_id, type_id, kind, qty, amount_fen, visit_date)
       VALUES ($1, 7, 2, 1, 5, 'sale', 3, 57000, '2026-11-22'), ($2, 7, 2, 1, 5, 'refund', 1, 19000, '2026-11-22')`,
      [new Date(base + 5_000), new Date(base + 30_000)],
    );
    const s = await t.db.query<{ sold: number; refunded: number; revenue_fen: number }>(
      'SELECT sold, refunded, revenue_fen FROM sales_1m WHERE venue_id = 7',
    );
    expect(s.rows).toEqual([{ sold: 3, refunded: 1, revenue_fen: 38000 }]);
  });

  it('keeps the audit log append-only, even for the app itself', async () => {
    await t.db.query(
      "INSERT INTO audit_log (actor_kind, actor_label, action, subject_kind) VALUES ('system', 'test', 'test.append', 'test')",
    );
    await expect(t.db.query("UPDATE audit_log SET action = 'forged'")).rejects.toThrow(/append-only/);
    await expect(t.db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(t.db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    const n = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'test.append'");
    expect(n.rows[0].n).toBe(1);
  });

  it('rolls a transaction back when it throws', async () => {
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query(
          "INSERT INTO venues (code, name_zh, name_en, capacity) VALUES ('ROLLBACK', '回滚', 'Rollback', 1)",
        );
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await t.db.query("SELECT 1 FROM venues WHERE code = 'ROLLBACK'")).rows).toHaveLength(0);
  });
});

// Only PostgreSQL enforces the app's statement and query timeouts (PGlite has neither).
describe.runIf(!!process.env.DATABASE_URL)('a long migration on PostgreSQL', () => {
  it('is not cut off by the timeouts that bound the app’s own queries (15 s on the server, 20 s in the client)', {
    timeout: 90_000,
  }, async () => {
    const t = await createPostgresTestDb();
    try {
      // The app's ordinary queries are bounded: a 16 s statement is cancelled by the server.
      await expect(t.db.query('SELECT pg_sleep(16)')).rejects.toThrow(/statement timeout/);
      // A migration runs through a session's exec, as migrate() sends it: 21 s outlasts both bounds.
      await t.db.session((conn) =>
        conn.exec('BEGIN;\nSET LOCAL statement_timeout = 0;\nSELECT pg_sleep(21);\nCOMMIT;'),
      );
      // And the session's connection went back to the pool with the app's statement timeout.
      expect((await t.db.query<{ s: string }>("SELECT current_setting('statement_timeout') AS s")).rows[0].s).toBe(
        '15s',
      );
    } finally {
      await t.cleanup();
    }
  });
});
