import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBackup, type BackupSummary } from '../db/backup-format.ts';
import { createDatabase, type Database } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { toolMajorVersion } from '../db/pg-dump.ts';
import type { App } from '../server/app.ts';
import { backupFromServer, opsSocketPath } from '../server/ops-socket.ts';
import { CLI_ACTOR } from '../server/services/actor.ts';
import { backupToFile } from '../server/services/backup.ts';
import { seedDemo } from '../server/services/seed.ts';
import { startTestApp } from '../tests/helpers/app.ts';
import { createPostgresTestDb, type TestDb } from '../tests/helpers/backends.ts';
import { sellTickets, startGateTraffic, type GateTraffic } from '../tests/helpers/gate-traffic.ts';
import { expectBackupError } from '../tests/helpers/backup-asserts.ts';
import { addTicketType } from '../tests/helpers/venue.ts';
import { backupCommand, restoreCommand, type CommandIo } from './backup-commands.ts';

/** Enough old scans (~1.5 MB compressed) that the backup outgrows the socket's buffers: the server must stream it while the gates scan. */
const HISTORY_SCANS = 40_000;
const SCANS_DURING_BACKUP = 30;

const tmp = (name: string) => mkdtempSync(path.join(tmpdir(), `tw-backup-cli-${name}-`));

/** Collects what a command prints. */
function captureIo(): CommandIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, isTTY: false, progress: () => {}, info: (l) => lines.push(l), result: (l) => lines.push(l) };
}

/**
 * Runs the real CLI as an operator would (`npm run cli -- ...`). Asynchronously: the server it may
 * talk to runs in this process and must keep answering meanwhile.
 */
function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join('node_modules', '.bin', 'tsx'), ['scripts/cli.ts', ...args], {
      env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'silent', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function tablesOf(db: Database, dir: string): Promise<BackupSummary['tables']> {
  return (await backupToFile(db, path.join(dir, `check-${randomBytes(4).toString('hex')}.twbackup`))).tables;
}

async function withDb<T>(
  opts: { dataDir?: string; databaseUrl?: string },
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  const db = await createDatabase(opts);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function insertHistory(db: Database, n: number): Promise<void> {
  await db.query(
    `INSERT INTO gate_scans (at, venue_id, zone_id, gate_id, device_id, scan_id, direction, result)
     SELECT now() - INTERVAL '2 days' + i * INTERVAL '1 second', v.id, z.id, g.id, 0, md5(i::text), 'in', 'admit'
     FROM generate_series(1, $1::int) i, (SELECT min(id) AS id FROM venues) v, (SELECT min(id) AS id FROM zones) z, (SELECT min(id) AS id FROM gates) g`,
    [n],
  );
}

describe('backup and restore commands on the embedded database, with its server running', () => {
  let dir: string;
  let dataDir: string;
  let file: string;
  let db: Database;
  let app: App;
  let traffic: GateTraffic;
  const env = (d: string) => ({ ...process.env, DATABASE_URL: '', TIDEWATCH_ID_KEY: '', TIDEWATCH_DATA_DIR: d });

  beforeAll(async () => {
    // Made here, not when the file is collected: a filtered or skipped run leaves nothing behind.
    dir = tmp('work');
    dataDir = tmp('live');
    file = path.join(dir, 'server.twbackup');
    // The server holds the directory the way `npm start` does: its lock, its own id-key file.
    db = await createDatabase({ dataDir, owner: 'the Tidewatch server (test)' });
    await migrate(db);
    const creds = await seedDemo(db, dataDir, CLI_ACTOR);
    const venueId = (await db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    await addTicketType(db, venueId, 'T-SINGLE');
    await insertHistory(db, HISTORY_SCANS);
    app = await startTestApp(db, { env: { TIDEWATCH_DATA_DIR: dataDir } });
    const codes = await sellTickets(app, creds.channels.WECHAT, 'T-SINGLE', 80);
    traffic = await startGateTraffic(app, db, ['MG-01', 'MG-02', 'EG-01'], codes, 'cli');
    await traffic.more(10);
  });

  afterAll(async () => {
    await traffic?.stop();
    await app?.close();
    await db?.close();
    for (const d of [dir, dataDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  let summary: BackupSummary;

  it('serves backups on a socket only its owner can open', () => {
    const st = statSync(opsSocketPath(dataDir));
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
  });

  it('streams a backup from the running server while its gates keep scanning', { timeout: 300_000 }, async () => {
    const count = async () => (await db.query<{ n: number }>('SELECT count(*) AS n FROM gate_scans')).rows[0].n;
    const before = await count();
    const file$ = createWriteStream(path.join(dir, 'streamed.twbackup'));
    let first = true;
    let atFirstWrite = 0;
    const slow = new Writable({
      write(chunk: Buffer, _enc, cb) {
        const go = () => file$.write(chunk, (err) => cb(err ?? null));
        if (!first) return go();
        first = false;
        // The server has sent its first bytes and cannot send everything before this reader takes it.
        count()
          .then((n) => {
            atFirstWrite = n;
            return traffic.more(SCANS_DURING_BACKUP);
          })
          .then(go, cb);
      },
      final(cb) {
        file$.end(() => cb());
      },
    });
    const s = await backupFromServer(dataDir, slow);
    expect(s).toBeDefined();
    const n = s!.tables.find((t) => t.name === 'gate_scans')!.rows;
    expect(n).toBeGreaterThanOrEqual(before);
    expect(n).toBeLessThanOrEqual(atFirstWrite);
    expect(await count()).toBeGreaterThanOrEqual(atFirstWrite + SCANS_DURING_BACKUP);
    expect((await verifyBackup(createReadStream(path.join(dir, 'streamed.twbackup')))).tables).toEqual(s!.tables);
  });

  it('backs up through the server with the CLI function and the real command, while the gates scan', {
    timeout: 300_000,
  }, async () => {
    const io = captureIo();
    const r = await backupCommand(env(dataDir), { out: file, format: 'tidewatch' }, io);
    expect(r.via).toBe('server');
    summary = r.summary!;
    expect(summary.header.id_key.encrypted_rows).toBeGreaterThan(0);
    expect(io.lines.some((l) => /^backing up gate_scans: \d+ of \d+ rows$/.test(l))).toBe(true);
    expect(io.lines.at(-1)).toMatch(/^backup of the embedded database in .* written to .*: \d+ tables, \d+ rows in/);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const real = await cli(['backup', '--out', path.join(dir, 'real.twbackup')], { TIDEWATCH_DATA_DIR: dataDir });
    expect(real.code, real.stderr).toBe(0);
    expect(real.stderr).toContain('taking the backup through it');
    expect(real.stdout).toMatch(/written to .*real\.twbackup/);
    // What follows restores these backups; the gates would only compete with it for the CPU.
    await traffic.stop();
  });

  it("restores into a fresh directory given the server's ID-card key, and refuses one without it", {
    timeout: 300_000,
  }, async () => {
    const keyless = tmp('keyless');
    const e = await expectBackupError(
      restoreCommand(env(keyless), { from: file, force: false }, captureIo()),
      'id_key_mismatch',
    );
    expect(e.message).toContain(path.join(keyless, 'id-key'));
    expect(existsSync(path.join(keyless, 'pg')), 'a refused restore creates nothing').toBe(false);
    rmSync(keyless, { recursive: true, force: true });

    const target = tmp('target');
    copyFileSync(path.join(dataDir, 'id-key'), path.join(target, 'id-key'));
    const io = captureIo();
    const r = await restoreCommand(env(target), { from: file, force: false }, io);
    expect(r.tables).toEqual(summary.tables);
    expect(io.lines.at(-1)).toMatch(/^restored .* into the embedded database in .*every table checked/);
    expect(await withDb({ dataDir: target }, (t) => tablesOf(t, dir))).toEqual(summary.tables);

    // The real command: refuses the now non-empty directory, replaces it with --force.
    const refused = await cli(['restore', '--from', file], { TIDEWATCH_DATA_DIR: target });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not empty \(rows: .*gate_scans \d+.*--force/);
    const truncated = path.join(dir, 'truncated.twbackup');
    writeFileSync(truncated, readFileSync(file).subarray(0, 5_000));
    const damaged = await cli(['restore', '--from', truncated, '--force'], { TIDEWATCH_DATA_DIR: target });
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(/truncated/);
    const forced = await cli(['restore', '--from', file, '--force'], { TIDEWATCH_DATA_DIR: target });
    expect(forced.code, forced.stderr).toBe(0);
    // A backup of a directory nobody holds opens it directly.
    const direct = await backupCommand(
      env(target),
      { out: path.join(dir, 'direct.twbackup'), format: 'tidewatch' },
      captureIo(),
    );
    expect(direct.via).toBe('embedded');
    expect(direct.summary!.tables).toEqual(summary.tables);
    rmSync(target, { recursive: true, force: true });
  });

  it('never restores into the directory of a running server', async () => {
    const e = await expectBackupError(
      restoreCommand(env(dataDir), { from: file, force: true }, captureIo()),
      'target_in_use',
    );
    expect(e.message).toMatch(/server \(pid \d+\) is running .* Stop it, restore, then start it again/);
    expect(
      (await cli(['backup', '--out', path.join(dir, 'x.dump'), '--format', 'pg_dump'], { TIDEWATCH_DATA_DIR: dataDir }))
        .stderr,
    ).toMatch(/pg_dump format needs PostgreSQL/);
  });
});

describe.runIf(process.env.DATABASE_URL)('backup and restore commands on PostgreSQL', () => {
  let dir: string;
  const idKey = randomBytes(32).toString('hex');
  let src: TestDb & { url: string };
  let app: App;
  let traffic: GateTraffic;
  const targets: TestDb[] = [];
  const env = (url: string) => ({ ...process.env, DATABASE_URL: url, TIDEWATCH_ID_KEY: idKey });
  /** A database for a restore, with no connection of ours left open (the restore refuses while Tidewatch sessions use it). */
  async function freshTarget(): Promise<TestDb & { url: string }> {
    const t = await createPostgresTestDb();
    await t.db.close();
    targets.push(t);
    return t;
  }

  beforeAll(async () => {
    if (process.env.CI === 'true') expect(await toolMajorVersion('pg_dump'), 'CI must have pg_dump').toBeDefined();
    dir = tmp('pg');
    src = await createPostgresTestDb();
    await migrate(src.db);
    const creds = await seedDemo(src.db, path.join(dir, 'seed'), CLI_ACTOR);
    const venueId = (await src.db.query<{ id: number }>("SELECT id FROM venues WHERE code = 'YUNLING'")).rows[0].id;
    await addTicketType(src.db, venueId, 'T-SINGLE');
    await insertHistory(src.db, 5_000);
    app = await startTestApp(src.db, { env: { TIDEWATCH_ID_KEY: idKey } });
    const codes = await sellTickets(app, creds.channels.WECHAT, 'T-SINGLE', 80);
    traffic = await startGateTraffic(app, src.db, ['MG-01', 'MG-02'], codes, 'pg-cli');
    await traffic.more(10);
  });

  afterAll(async () => {
    await traffic?.stop();
    await app?.close();
    for (const t of targets) await t.cleanup();
    await src?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.runIf(process.env.CI === 'true' || spawnSync('pg_dump', ['--version']).status === 0)(
    'round-trips the pg_dump format, also dumped while gates scan, with the same refusals',
    { timeout: 300_000 },
    async () => {
      const during = path.join(dir, 'during.dump');
      const r = await backupCommand(env(src.url), { out: during, format: 'pg_dump' }, captureIo());
      expect(r.via).toBe('pg_dump');
      expect(readFileSync(during).subarray(0, 5).toString('latin1')).toBe('PGDMP');
      const target = await freshTarget();
      await restoreCommand(env(target.url), { from: during, force: false }, captureIo());
      await withDb({ databaseUrl: target.url }, async (t) => {
        const drift = await t.query<{ n: number }>(
          `SELECT count(*) AS n FROM tickets k
           WHERE k.entries <> (SELECT count(*) FROM gate_scans s WHERE s.ticket_id = k.id AND s.result = 'admit' AND s.direction = 'in')`,
        );
        expect(drift.rows[0].n, 'pg_dump takes one snapshot too').toBe(0);
      });

      // With the server stopped nothing writes (its alarm engine would), so source and copy can be compared whole.
      await traffic.stop();
      await app.close();
      const still = path.join(dir, 'still.dump');
      await backupCommand(env(src.url), { out: still, format: 'pg_dump' }, captureIo());
      await expectBackupError(
        restoreCommand(env(target.url), { from: still, force: false }, captureIo()),
        'target_not_empty',
      );
      const truncated = path.join(dir, 'truncated.dump');
      writeFileSync(truncated, readFileSync(still).subarray(0, Math.floor(statSync(still).size * 0.7)));
      await expectBackupError(
        restoreCommand(env(target.url), { from: truncated, force: true }, captureIo()),
        'corrupt',
      );
      await restoreCommand(env(target.url), { from: still, force: true }, captureIo());
      const expected = await tablesOf(src.db, dir);
      expect(await withDb({ databaseUrl: target.url }, (t) => tablesOf(t, dir))).toEqual(expected);

      await expectBackupError(
        backupCommand(
          env(src.url),
          { out: path.join(dir, 'x.dump'), format: 'pg_dump', pgBin: path.join(dir, 'no-such-bin') },
          captureIo(),
        ),
        'pg_dump_unavailable',
      );
    },
  );

  it('backs up PostgreSQL in the portable format and refuses a database other Tidewatch sessions use', {
    timeout: 300_000,
  }, async () => {
    await traffic.stop();
    await app.close();
    const file = path.join(dir, 'pg.twbackup');
    const r = await backupCommand(env(src.url), { out: file, format: 'tidewatch' }, captureIo());
    expect(r.via).toBe('postgres');
    expect(r.summary!.tables).toEqual(await tablesOf(src.db, dir));
    const target = await freshTarget();
    await withDb({ databaseUrl: target.url }, async (held) => {
      await held.query('SELECT 1');
      const e = await expectBackupError(
        restoreCommand(env(target.url), { from: file, force: false }, captureIo()),
        'target_in_use',
      );
      expect(e.message).toMatch(/stop every Tidewatch server/);
    });
    await restoreCommand(env(target.url), { from: file, force: false }, captureIo());
    expect(await withDb({ databaseUrl: target.url }, (t) => tablesOf(t, dir))).toEqual(r.summary!.tables);
  });
});
