import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import {
  analyzeTables,
  dropTidewatchObjects,
  inspectContents,
  insertRows,
  listDataTables,
  refreshContinuousAggregates,
  resetSequences,
  rowDigests,
  serverEncoding,
  setRestoreSettings,
  setTimescaleRestoreMode,
  truncateTables,
  withSnapshot,
  type DatabaseContents,
} from '../../db/backup.ts';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupError,
  backupLines,
  readBackup,
  RowChecksum,
  verifyBackup,
  type BackupSummary,
  type TBackupEvent,
  type TBackupHeader,
} from '../../db/backup-format.ts';
import type { Database } from '../../db/client.ts';
import { listMigrations, migrate } from '../../db/migrate.ts';
import {
  checkPgDumpArchive,
  pgDump,
  pgDumpContents,
  pgDumpMigrations,
  pgRestore,
  PgToolError,
  serverMajorVersion,
  toolMajorVersion,
  type PgToolOptions,
} from '../../db/pg-dump.ts';
import { parseMasterKey } from './id-crypto.ts';

/**
 * Backups and restores (灾备): the rules around db/backup.ts. A backup is one consistent snapshot
 * in the portable format of db/backup-format.ts; a restore checks the whole file first, refuses a
 * non-empty target or a different ID-card key unless forced, rebuilds the schema the backup was
 * taken on with the project's migrations, loads and checks every table in one transaction, and
 * then upgrades to this version's schema as a server would at boot.
 */

export const TIDEWATCH_VERSION: string = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;

/**
 * zlib level. Measured on 200k gate scans (65 MB of JSON): level 3 takes as long as 1 for a 3%
 * smaller file; 6 (zlib's default) takes twice as long for 6% less. The embedded server compresses
 * in its own process, beside the gates' work, so CPU matters more than the last few percent.
 */
const GZIP_LEVEL = 3;

/** Domain label so the fingerprint is not simply a hash of the key that another tool might also publish. */
const FINGERPRINT_LABEL = 'tidewatch/id-key/fingerprint/v1\0';

/** How far a backup or restore has got with one table; `finished` once its last row is done. */
export interface TableProgress {
  phase: 'backup' | 'check' | 'load' | 'verify';
  table: string;
  done: number;
  expected: number;
  finished: boolean;
}
type OnProgress = (p: TableProgress) => void;

/**
 * A one-way fingerprint of the ID-card master key (128 bits of SHA-256 over the decoded key), so a
 * backup can say which key its encrypted columns need without carrying it. The same key gives the
 * same fingerprint whether written in hex or base64. Null when the text is not a valid key.
 */
export function idKeyFingerprint(keyText: string | undefined): string | null {
  if (!keyText) return null;
  let key: Buffer;
  try {
    key = parseMasterKey(keyText);
  } catch {
    return null;
  }
  return createHash('sha256').update(FINGERPRINT_LABEL).update(key).digest('hex').slice(0, 32);
}

/** Turns a backup reader's events into progress of one phase. */
export function progressFromEvents(phase: TableProgress['phase'], onProgress: OnProgress | undefined) {
  return (e: TBackupEvent) => {
    if (!onProgress) return;
    if (e.kind === 'table') onProgress({ phase, table: e.table, done: 0, expected: e.expected, finished: false });
    else if (e.kind === 'rows')
      onProgress({ phase, table: e.table, done: e.done, expected: e.expected, finished: false });
    else if (e.kind === 'end') onProgress({ phase, table: e.table, done: e.rows, expected: e.rows, finished: true });
  };
}

export interface WriteBackupOptions {
  /** The source's ID-card key text, for its fingerprint in the header (never written itself). */
  idKey?: string;
  onProgress?: OnProgress;
}

/**
 * Writes a backup of db to out (gzip'd JSON lines) from one consistent snapshot; out is ended when
 * it is complete. If reading fails half way the stream still ends, with a line saying why, so a
 * reader at the other end of a socket learns the cause; the promise rejects with it too.
 */
export async function writeBackup(db: Database, out: Writable, opts: WriteBackupOptions = {}): Promise<BackupSummary> {
  return withSnapshot(db, async (snap) => {
    if (!snap.migrations.length) {
      throw new BackupError(
        'nothing_to_back_up',
        'this database has no Tidewatch schema (no migrations were ever applied to it): there is nothing to back up',
      );
    }
    const header: TBackupHeader = {
      format: BACKUP_FORMAT,
      format_version: BACKUP_FORMAT_VERSION,
      tidewatch: TIDEWATCH_VERSION,
      created_at: new Date().toISOString(),
      source: { kind: snap.kind, timescale: snap.timescale, server_version: snap.serverVersion },
      migrations: snap.migrations,
      id_key: { fingerprint: idKeyFingerprint(opts.idKey), encrypted_rows: snap.encryptedRows },
      tables: snap.tables.map((t) => ({ name: t.name, rows: t.rows, columns: t.columns })),
    };
    const summary: BackupSummary = { header, tables: [], rows: 0 };
    let failure: unknown;
    const report = opts.onProgress ?? (() => {});
    async function* lines(): AsyncGenerator<string> {
      yield backupLines.header(header);
      try {
        for (const t of snap.tables) {
          yield backupLines.tableStart(t.name);
          report({ phase: 'backup', table: t.name, done: 0, expected: t.rows, finished: false });
          const sum = new RowChecksum();
          for await (const chunk of snap.rows(t.name)) {
            for (const row of chunk) sum.addText(row);
            yield `${chunk.join('\n')}\n`;
            report({ phase: 'backup', table: t.name, done: sum.rows, expected: t.rows, finished: false });
          }
          if (sum.rows !== t.rows)
            throw new Error(`read ${sum.rows} rows of ${t.name}, but its snapshot holds ${t.rows}`);
          yield backupLines.tableEnd(t.name, sum);
          summary.tables.push({ name: t.name, rows: sum.rows, checksum: sum.hex() });
          summary.rows += sum.rows;
          report({ phase: 'backup', table: t.name, done: sum.rows, expected: t.rows, finished: true });
        }
        yield backupLines.complete(summary.tables.length, summary.rows);
      } catch (err) {
        failure = err;
        yield backupLines.failed((err as Error).message ?? String(err));
      }
    }
    // Two chunks of rows ahead at most: memory stays bounded, and a slow reader slows the reads.
    await pipeline(Readable.from(lines(), { highWaterMark: 2 }), createGzip({ level: GZIP_LEVEL }), out);
    if (failure) throw failure;
    return summary;
  });
}

/**
 * Creates file through a temporary sibling (mode 0600: a backup holds password hashes and
 * customers' details) that is synced and renamed into place only when produce succeeds, so FILE
 * is either the previous file or a complete new one, never half a backup.
 */
export async function writeFileAtomically<T>(
  file: string,
  produce: (tmp: string) => Promise<T>,
): Promise<T & { bytes: number }> {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.partial-${process.pid}`);
  closeSync(openSync(tmp, 'w', 0o600));
  try {
    const out = await produce(tmp);
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    return { ...out, bytes: statSync(file).size };
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** A backup of db into file (see writeBackup), written atomically. */
export async function backupToFile(
  db: Database,
  file: string,
  opts: WriteBackupOptions = {},
): Promise<BackupSummary & { bytes: number }> {
  return writeFileAtomically(file, (tmp) => writeBackup(db, createWriteStream(tmp, { flags: 'w' }), opts));
}

/** Reads and checks a whole backup file without touching any database. */
export async function verifyBackupFile(file: string, onProgress?: OnProgress): Promise<BackupSummary> {
  return verifyBackup(createReadStream(file), file, progressFromEvents('check', onProgress));
}

export interface RestoreOptions {
  /** Replace a non-empty target, and restore even when the ID-card key differs. */
  force?: boolean;
  /** The ID-card key the target will run with, if any (TIDEWATCH_ID_KEY or the data directory's id-key). */
  targetIdKey?: string;
  /** Where that key is configured, for messages. */
  targetIdKeySource?: string;
  /** The file was already checked (verifyBackupFile): skip reading it a second time before loading. */
  verified?: BackupSummary;
  onProgress?: OnProgress;
  log?: (line: string) => void;
}

export interface RestoreResult extends BackupSummary {
  /** Things the operator should know (a different ID-card key with --force, ...). */
  warnings: string[];
  /** Migrations newer than the backup that were applied over the restored rows. */
  upgraded: string[];
}

function describeContents(tables: DatabaseContents['tables']): string {
  const occupied = tables.filter((t) => t.rows > 0).sort((a, b) => b.rows - a.rows);
  const shown = occupied.slice(0, 8).map((t) => `${t.name} ${t.rows}`);
  return `${shown.join(', ')}${occupied.length > shown.length ? ` and ${occupied.length - shown.length} more table(s)` : ''}`;
}

/** The backup's schema must be one this Tidewatch can build: every migration known, by version and name. */
function checkMigrationsKnown(header: TBackupHeader): void {
  const known = new Map(listMigrations().map((m) => [m.version, m.name]));
  const unknown = header.migrations.filter((m) => known.get(m.version) !== m.name);
  if (unknown.length) {
    throw new BackupError(
      'schema_mismatch',
      `the backup was taken by Tidewatch ${header.tidewatch} with migrations this version (${TIDEWATCH_VERSION}) does not have ` +
        `(${unknown.map((m) => `${m.version}_${m.name}`).join(', ')}): restore it with Tidewatch ${header.tidewatch} or newer`,
    );
  }
}

/**
 * Encrypted ID-card numbers are useless without the key they were encrypted with: refuses (unless
 * forced) when the backup has some and the target's key is missing or another one. Returns warnings.
 * The CLI asks before it even opens the target, restoreBackup again before it changes anything.
 */
export function checkIdKey(
  header: TBackupHeader,
  opts: Pick<RestoreOptions, 'force' | 'targetIdKey' | 'targetIdKeySource'>,
): string[] {
  const n = header.id_key.encrypted_rows;
  const wanted = header.id_key.fingerprint;
  const have = idKeyFingerprint(opts.targetIdKey);
  const where = opts.targetIdKeySource ?? 'TIDEWATCH_ID_KEY';
  if (n === 0 || wanted === have) return [];
  if (!wanted) {
    return [
      `the backup holds ${n} encrypted ID-card number(s) but does not record which key they need (the source had no TIDEWATCH_ID_KEY): make sure the target runs with the source's key`,
    ];
  }
  const problem = have
    ? `but the target's key (${where}) is another one (fingerprint ${have})`
    : `but no ID-card key is configured for the target (set TIDEWATCH_ID_KEY, or put the key in ${where})`;
  const message =
    `the backup holds ${n} encrypted ID-card number(s) that need the ID-card key with fingerprint ${wanted}, ${problem}. ` +
    'Without that key they cannot be read and look-ups by ID number find nothing';
  if (!opts.force)
    throw new BackupError('id_key_mismatch', `${message}: configure the backup's key, or restore anyway with --force`);
  return [`${message} (restored anyway: --force)`];
}

/**
 * Restores a Tidewatch backup file into db. Nothing is changed when the file is damaged, the target
 * is not empty (without force), the keys differ (without force), or loading or checking fails: the
 * rows load and are checked in one transaction. The one exception is a target migrated beyond the
 * backup, whose schema is dropped and rebuilt first: a failure after that says so (half_restored).
 */
export async function restoreBackup(db: Database, file: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const log = opts.log ?? (() => {});
  const summary = opts.verified ?? (await verifyBackupFile(file, opts.onProgress));
  const { header } = summary;
  checkMigrationsKnown(header);
  const encoding = await serverEncoding(db);
  if (encoding !== 'UTF8')
    throw new BackupError(
      'schema_mismatch',
      `the target database's encoding is ${encoding}: Tidewatch restores into UTF8 databases only`,
    );
  const contents = await inspectContents(db);
  const occupied = contents.tables.filter((t) => t.rows > 0);
  if (occupied.length && !opts.force) {
    throw new BackupError(
      'target_not_empty',
      `the target database is not empty (rows: ${describeContents(contents.tables)}): restore with --force to replace everything in it`,
    );
  }
  const warnings = checkIdKey(header, opts);

  const backupVersions = new Set(header.migrations.map((m) => m.version));
  const beyond = contents.migrations.filter((m) => !backupVersions.has(m.version));
  let dropped = false;
  if (beyond.length) {
    log(
      `the target has migrations the backup has not (${beyond.map((m) => `${m.version}_${m.name}`).join(', ')}): rebuilding its schema at the backup's version`,
    );
    await dropTidewatchObjects(db);
    dropped = true;
  }
  const halfRestored = (err: unknown) =>
    new BackupError(
      'half_restored',
      `the restore failed after the target's old schema was dropped, so it holds no data now: fix the cause and restore again with --force (${(err as Error).message})`,
    );
  try {
    await migrate(db, log, header.migrations.at(-1)!.version);
  } catch (err) {
    if (dropped) throw halfRestored(err);
    throw err;
  }

  const target = new Map((await listDataTables(db)).map((t) => [t.name, t]));
  const insertColumns = new Map<string, string[]>();
  for (const t of header.tables) {
    const have = target.get(t.name);
    const missing = have ? t.columns.filter((c) => !have.columns.some((h) => h.name === c.name)) : [];
    if (!have || missing.length) {
      const what = have ? `column(s) ${missing.map((c) => c.name).join(', ')} of table ${t.name}` : `table ${t.name}`;
      throw new BackupError(
        'schema_mismatch',
        `the target's schema has no ${what} after its migrations: the backup does not fit this Tidewatch's migrations`,
      );
    }
    insertColumns.set(
      t.name,
      t.columns.map((c) => c.name).filter((c) => !have.generated.includes(c)),
    );
  }

  try {
    await db.transaction(async (tx) => {
      await setRestoreSettings(tx);
      if (occupied.length && !dropped)
        await truncateTables(
          tx,
          header.tables.map((t) => t.name),
        );
      const onLoad = progressFromEvents('load', opts.onProgress);
      for await (const e of readBackup(createReadStream(file), file)) {
        if (e.kind === 'rows') await insertRows(tx, e.table, insertColumns.get(e.table)!, e.rows);
        onLoad(e);
      }
      await resetSequences(tx);
      for (const t of summary.tables) {
        const sum = new RowChecksum();
        for await (const digests of rowDigests(tx, t.name)) for (const d of digests) sum.addMd5Hex(d);
        opts.onProgress?.({ phase: 'verify', table: t.name, done: sum.rows, expected: t.rows, finished: true });
        if (sum.rows !== t.rows || sum.hex() !== t.checksum) {
          throw new BackupError(
            'verify_failed',
            `after loading, table ${t.name} holds ${sum.rows} rows (checksum ${sum.hex()}) where the backup has ${t.rows} (checksum ${t.checksum}); ` +
              'the restore was rolled back',
          );
        }
      }
    });
  } catch (err) {
    if (dropped) throw halfRestored(err);
    if (err instanceof BackupError) throw err;
    throw new BackupError(
      'restore_failed',
      `the restore failed and was rolled back, the target is as it was: ${(err as Error).message}`,
    );
  }

  let upgraded: string[];
  try {
    upgraded = (await migrate(db, log)).applied;
    await refreshContinuousAggregates(db, log);
    await analyzeTables(db, [...target.keys()]);
  } catch (err) {
    throw new BackupError(
      'restore_failed',
      `the backup's rows were restored, but upgrading them to this version's schema failed (a server would fail the same way at boot): ${(err as Error).message}`,
    );
  }
  return { ...summary, warnings, upgraded };
}

export interface PgDumpOptions extends PgToolOptions {
  force?: boolean;
  log?: (line: string) => void;
}

/** Checks that pg_dump is there and not older than the server (an older pg_dump refuses a newer server). */
async function requirePgDump(db: Database, o: PgToolOptions): Promise<void> {
  const server = await serverMajorVersion(db);
  const dump = await toolMajorVersion('pg_dump', o);
  if (dump === undefined) {
    throw new BackupError(
      'pg_dump_unavailable',
      `pg_dump is not installed${o.binDir ? ` in ${o.binDir}` : ''}: install postgresql-client-${server}, or use the default format`,
    );
  }
  if (dump < server) {
    throw new BackupError(
      'pg_dump_unavailable',
      `pg_dump ${dump} cannot dump this PostgreSQL ${server} server: install postgresql-client-${server} (and point --pg-bin at it), or use the default format`,
    );
  }
}

/** pg_dump --format=custom of a PostgreSQL database into file (atomically). Not for PGlite. */
export async function backupPgDump(
  db: Database,
  url: string,
  file: string,
  o: PgToolOptions = {},
): Promise<{ bytes: number }> {
  if (db.kind !== 'postgres')
    throw new BackupError(
      'pg_dump_unavailable',
      'the pg_dump format needs PostgreSQL (DATABASE_URL); the embedded database uses the default format',
    );
  await requirePgDump(db, o);
  return writeFileAtomically(file, async (tmp) => {
    try {
      await pgDump(url, tmp, o);
    } catch (err) {
      if (err instanceof PgToolError) throw new BackupError('tool_failed', err.message);
      throw err;
    }
    return {};
  });
}

/**
 * Restores a pg_dump custom-format file into a PostgreSQL database with pg_restore, under the same
 * rules as restoreBackup: the whole archive is read first, a non-empty target needs force, and the
 * restore is one transaction (replacing the old objects with --clean) except on TimescaleDB, whose
 * restore mode (timescaledb_pre_restore) cannot run in one. Newer migrations run afterwards.
 */
export async function restorePgDump(
  db: Database,
  url: string,
  file: string,
  o: PgDumpOptions = {},
): Promise<{ contents: DatabaseContents; upgraded: string[] }> {
  const log = o.log ?? (() => {});
  if (db.kind !== 'postgres')
    throw new BackupError(
      'schema_mismatch',
      'a pg_dump file restores into PostgreSQL only: restore the embedded database from a backup in the default format',
    );
  if ((await toolMajorVersion('pg_restore', o)) === undefined)
    throw new BackupError('pg_dump_unavailable', 'pg_restore is not installed: install postgresql-client');
  try {
    await checkPgDumpArchive(file, o);
  } catch (err) {
    if (err instanceof PgToolError)
      throw new BackupError('corrupt', `${file} is damaged (pg_restore cannot read it all): ${err.message}`);
    throw err;
  }
  const dumped = await pgDumpMigrations(file, o);
  const known = new Set(listMigrations().map((m) => m.version));
  const unknownVersions = dumped.filter((v) => !known.has(v));
  if (unknownVersions.length) {
    throw new BackupError(
      'schema_mismatch',
      `the dump has migrations this Tidewatch (${TIDEWATCH_VERSION}) does not know (${unknownVersions.join(', ')}): restore it with a newer Tidewatch`,
    );
  }
  const contents = await inspectContents(db);
  const occupied = contents.tables.filter((t) => t.rows > 0);
  if (occupied.length && !o.force) {
    throw new BackupError(
      'target_not_empty',
      `the target database is not empty (rows: ${describeContents(contents.tables)}): restore with --force to replace everything in it`,
    );
  }
  const timescale = (await pgDumpContents(file, o)).some((l) => /\bEXTENSION - timescaledb\b/.test(l));
  const beyond = contents.migrations.filter((m) => !dumped.includes(m.version));
  let dropped = false;
  // Objects the dump does not have would survive --clean and clash with the migrations run after it.
  if (beyond.length || (timescale && contents.tables.length)) {
    log(
      "dropping the target's Tidewatch objects first (its schema is newer than the dump's, or TimescaleDB's restore mode needs them gone)",
    );
    await dropTidewatchObjects(db);
    dropped = true;
  }
  try {
    if (timescale) await setTimescaleRestoreMode(db, true);
    try {
      await pgRestore(url, file, {
        ...o,
        clean: !dropped && contents.tables.length > 0,
        singleTransaction: !timescale,
      });
    } finally {
      if (timescale) await setTimescaleRestoreMode(db, false);
    }
  } catch (err) {
    const why = err instanceof PgToolError ? err.message : (err as Error).message;
    if (dropped || timescale) {
      throw new BackupError(
        'half_restored',
        `pg_restore failed and the target now holds part of the dump at most: fix the cause and restore again with --force (${why})`,
      );
    }
    throw new BackupError(
      'restore_failed',
      `pg_restore failed and its transaction was rolled back, the target is as it was: ${why}`,
    );
  }
  const upgraded = (await migrate(db, log)).applied;
  await refreshContinuousAggregates(db, log);
  const after = await inspectContents(db);
  await analyzeTables(
    db,
    after.tables.map((t) => t.name),
  );
  return { contents: after, upgraded };
}
