import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type TestDb } from '../tests/helpers/backends.ts';
import { migrate } from './migrate.ts';

describe.each(backends())('migrations on $name', (backend) => {
  let t: TestDb;
  let first: Awaited<ReturnType<typeof migrate>>;
  beforeAll(async () => {
    t = await backend.create();
    first = await migrate(t.db);
  });
  afterAll(async () => t?.cleanup());

  it('applies every migration once, in order, and is idempotent', async () => {
    expect(first.applied.map((a) => a.slice(0, 4))).toEqual(['0001', '0002']);
    expect((await migrate(t.db)).applied).toEqual([]);
    const rows = (await t.db.query<{ version: string; variant: string }>('SELECT version, variant FROM schema_migrations ORDER BY version')).rows;
    expect(rows.map((r) => r.version)).toEqual(['0001', '0002']);
    expect(new Set(rows.map((r) => r.variant))).toEqual(new Set([first.timescale ? 'timescale' : 'plain']));
  });

  it('takes the TimescaleDB path exactly when the extension is there', async () => {
    expect(first.timescale).toBe(backend.name === 'pglite-timescaledb');
    if (first.timescale) {
      const ht = await t.db.query<{ hypertable_name: string }>('SELECT hypertable_name FROM timescaledb_information.hypertables');
      expect(ht.rows.map((r) => r.hypertable_name)).toContain('device_heartbeats');
      const cagg = await t.db.query<{ view_name: string }>('SELECT view_name FROM timescaledb_information.continuous_aggregates');
      expect(cagg.rows.map((r) => r.view_name)).toContain('device_heartbeats_1m');
      const jobs = await t.db.query<{ proc_name: string }>('SELECT proc_name FROM timescaledb_information.jobs');
      expect(jobs.rows.map((r) => r.proc_name)).toEqual(expect.arrayContaining(['policy_retention', 'policy_compression', 'policy_refresh_continuous_aggregate']));
    }
  });

  it('gives the same per-minute heartbeat rollup with or without TimescaleDB', async () => {
    const base = Date.UTC(2026, 10, 22, 8, 0, 0);
    const rows: [number, number, number | null][] = [
      [0, 3, 90], [20_000, 5, 88], [59_999, 1, null], [60_000, 0, 87], [125_000, 7, 50],
    ];
    for (const [dt, queue, battery] of rows) {
      await t.db.query('INSERT INTO device_heartbeats (at, device_id, gate_id, queue, battery) VALUES ($1, 1, 42, $2, $3)', [new Date(base + dt), queue, battery]);
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

  it('keeps the audit log append-only, even for the app itself', async () => {
    await t.db.query("INSERT INTO audit_log (actor_kind, actor_label, action, subject_kind) VALUES ('system', 'test', 'test.append', 'test')");
    await expect(t.db.query("UPDATE audit_log SET action = 'forged'")).rejects.toThrow(/append-only/);
    await expect(t.db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(t.db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    const n = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'test.append'");
    expect(n.rows[0].n).toBe(1);
  });

  it('rolls a transaction back when it throws', async () => {
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query("INSERT INTO venues (code, name_zh, name_en, capacity) VALUES ('ROLLBACK', '回滚', 'Rollback', 1)");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await t.db.query("SELECT 1 FROM venues WHERE code = 'ROLLBACK'")).rows).toHaveLength(0);
  });
});
