import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { otherTidewatchSessions } from '../db/backup.ts';
import { BackupError, sniffBackupFile, type BackupSummary } from '../db/backup-format.ts';
import { createDatabase, type Database } from '../db/client.ts';
import { AppError } from '../lib/errors.ts';
import { loadConfig } from '../server/config.ts';
import { backupFromServer, opsSocketPath, pingServer } from '../server/ops-socket.ts';
import {
  backupPgDump,
  backupToFile,
  checkIdKey,
  progressFromEvents,
  restoreBackup,
  restorePgDump,
  verifyBackupFile,
  writeBackup,
  writeFileAtomically,
  type TableProgress,
} from '../server/services/backup.ts';

/**
 * `backup` and `restore` of the ops CLI (scripts/cli.ts wires them to commander): where the
 * database is (PostgreSQL, the embedded directory, or a running server holding that directory),
 * what to print while it runs, and the summary at the end.
 */

/** Where the commands talk: stderr for progress and warnings, stdout for the result line. */
export interface CommandIo {
  /** Raw text to stderr (progress lines rewrite themselves on a terminal). */
  progress(text: string): void;
  info(line: string): void;
  result(line: string): void;
  isTTY: boolean;
}

export const processIo: CommandIo = {
  progress: (t) => process.stderr.write(t),
  info: (l) => process.stderr.write(`${l}\n`),
  result: (l) => process.stdout.write(`${l}\n`),
  isTTY: !!process.stderr.isTTY,
};

/** A terminal gets at most this many progress redraws a second. */
const REDRAWS_PER_S = 10;

const VERBS: Record<TableProgress['phase'], string> = {
  backup: 'backing up',
  check: 'checking',
  load: 'loading',
  verify: 'verified',
};

/** Phases that print a line per table; checking the file and the restored tables only count up on a terminal. */
const LINE_PER_TABLE = new Set<TableProgress['phase']>(['backup', 'load']);

/**
 * Progress table by table: on a terminal one line that counts up (rows done of rows expected);
 * otherwise (cron, a pipe) one line per table backed up or loaded, so logs stay readable.
 */
function progressPrinter(io: CommandIo): (p: TableProgress) => void {
  let last = 0;
  return (p) => {
    const pct = p.expected ? ` (${Math.floor((100 * p.done) / p.expected)}%)` : '';
    if (p.finished) {
      if (io.isTTY) io.progress('\x1b[2K\r');
      if (LINE_PER_TABLE.has(p.phase)) io.info(`${VERBS[p.phase]} ${p.table}: ${p.done} of ${p.expected} rows`);
      return;
    }
    if (!io.isTTY || Date.now() - last < 1000 / REDRAWS_PER_S) return;
    last = Date.now();
    io.progress(`\x1b[2K\r${VERBS[p.phase]} ${p.table}: ${p.done} of ${p.expected} rows${pct}`);
  };
}

function rate(rows: number, ms: number): string {
  const s = Math.max(ms, 1) / 1000;
  return `${rows} rows in ${s.toFixed(1)} s (${Math.round(rows / s)} rows/s)`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** A PostgreSQL URL fit for a message: no password. */
function describeUrl(url: string): string {
  const u = new URL(url);
  u.password = '';
  return `PostgreSQL ${u.host}${u.pathname}`;
}

/** The tools configuration, without generating the secrets a server would (a restore must not invent an ID-card key). */
function toolConfig(env: NodeJS.ProcessEnv) {
  const placeholder = 'placeholder-only-for-ops-commands-'.repeat(2);
  const config = loadConfig(
    {
      ...env,
      TIDEWATCH_ID_KEY: env.TIDEWATCH_ID_KEY || placeholder,
      NEXTAUTH_SECRET: env.NEXTAUTH_SECRET || placeholder,
    },
    'tool',
  );
  const keyFile = path.join(config.dataDir, 'id-key');
  const idKey =
    env.TIDEWATCH_ID_KEY ||
    (!config.DATABASE_URL && existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
  const idKeySource = env.TIDEWATCH_ID_KEY ? 'TIDEWATCH_ID_KEY' : keyFile;
  return { config, idKey, idKeySource };
}

/** Opens the embedded directory for a command; says clearly when a process holds it. */
async function openEmbedded(dataDir: string, what: 'backup' | 'restore'): Promise<Database> {
  try {
    return await createDatabase({ dataDir, owner: `the Tidewatch CLI (${what})` });
  } catch (err) {
    if (err instanceof AppError && err.code === 'data_dir_locked') {
      const hint =
        what === 'backup'
          ? ` It does not answer on ${opsSocketPath(dataDir)}, so it cannot take the backup itself (a Tidewatch older than this one, or a path too long for a socket): stop it, or run the server on PostgreSQL.`
          : ' A restore never goes through a running server: stop it, restore, then start it again.';
      throw new BackupError('target_in_use', `${err.message}${hint}`);
    }
    throw err;
  }
}

export interface BackupCommandOptions {
  /** File to write, or "-" for stdout (the default format only). */
  out: string;
  format: 'tidewatch' | 'pg_dump';
  /** Directory holding pg_dump/pg_restore. */
  pgBin?: string;
}

export interface BackupCommandResult {
  via: 'postgres' | 'embedded' | 'server' | 'pg_dump';
  summary?: BackupSummary;
  bytes?: number;
  ms: number;
}

/**
 * `backup --out FILE [--format tidewatch|pg_dump]`: PostgreSQL directly; the embedded directory
 * directly, or through the running server's ops socket when a server holds it.
 */
export async function backupCommand(
  env: NodeJS.ProcessEnv,
  o: BackupCommandOptions,
  io: CommandIo = processIo,
): Promise<BackupCommandResult> {
  // Reset once the database is open: the rate is the backup's, not PGlite's start-up.
  let started = Date.now();
  const { config, idKey } = toolConfig(env);
  const onProgress = progressPrinter(io);
  const toStdout = o.out === '-';
  const finish = (r: Omit<BackupCommandResult, 'ms'>, source: string): BackupCommandResult => {
    const ms = Date.now() - started;
    const rows = r.summary
      ? `${r.summary.tables.length} tables, ${rate(r.summary.rows, ms)}`
      : `in ${(ms / 1000).toFixed(1)} s`;
    const line = `backup of ${source} written to ${toStdout ? 'stdout' : o.out}${r.bytes !== undefined ? ` (${megabytes(r.bytes)})` : ''}: ${rows}`;
    if (toStdout) io.info(line);
    else io.result(line);
    return { ...r, ms };
  };

  if (config.DATABASE_URL) {
    const db = await createDatabase({ databaseUrl: config.DATABASE_URL, max: 1 });
    started = Date.now();
    try {
      if (o.format === 'pg_dump') {
        if (toStdout)
          throw new BackupError('pg_dump_unavailable', 'the pg_dump format writes to a file: give --out FILE');
        const r = await backupPgDump(db, config.DATABASE_URL, o.out, { binDir: o.pgBin, onLine: (l) => io.info(l) });
        return finish({ via: 'pg_dump', bytes: r.bytes }, describeUrl(config.DATABASE_URL));
      }
      if (!idKey)
        io.info(
          'warning: TIDEWATCH_ID_KEY is not set, so the backup cannot record which ID-card key its encrypted columns need',
        );
      if (toStdout)
        return finish(
          { via: 'postgres', summary: await writeBackup(db, process.stdout, { idKey, onProgress }) },
          describeUrl(config.DATABASE_URL),
        );
      const r = await backupToFile(db, o.out, { idKey, onProgress });
      return finish({ via: 'postgres', summary: r, bytes: r.bytes }, describeUrl(config.DATABASE_URL));
    } finally {
      await db.close();
    }
  }

  if (o.format === 'pg_dump') {
    throw new BackupError(
      'pg_dump_unavailable',
      'the pg_dump format needs PostgreSQL (DATABASE_URL): the embedded database is backed up in the default (portable) format',
    );
  }
  const source = `the embedded database in ${config.dataDir}`;
  const live = await pingServer(config.dataDir);
  if (live) {
    io.info(`a Tidewatch server (pid ${live.pid}) holds ${config.dataDir}: taking the backup through it`);
    const fromServer = async (out: Writable) => {
      const s = await backupFromServer(config.dataDir, out, progressFromEvents('backup', onProgress));
      if (!s)
        throw new BackupError(
          'producer_failed',
          `the server holding ${config.dataDir} stopped answering before the backup started: run the backup again`,
        );
      return s;
    };
    if (toStdout) return finish({ via: 'server', summary: await fromServer(process.stdout) }, source);
    const r = await writeFileAtomically(o.out, (tmp) => fromServer(createWriteStream(tmp, { flags: 'w' })));
    return finish({ via: 'server', summary: r, bytes: r.bytes }, source);
  }
  if (!existsSync(path.join(config.dataDir, 'pg', 'PG_VERSION'))) {
    throw new BackupError(
      'nothing_to_back_up',
      `there is no embedded database in ${config.dataDir} (set TIDEWATCH_DATA_DIR to its directory, or DATABASE_URL for PostgreSQL)`,
    );
  }
  const db = await openEmbedded(config.dataDir, 'backup');
  started = Date.now();
  try {
    if (toStdout)
      return finish({ via: 'embedded', summary: await writeBackup(db, process.stdout, { idKey, onProgress }) }, source);
    const r = await backupToFile(db, o.out, { idKey, onProgress });
    return finish({ via: 'embedded', summary: r, bytes: r.bytes }, source);
  } finally {
    await db.close();
  }
}

export interface RestoreCommandOptions {
  from: string;
  force: boolean;
  pgBin?: string;
}

export interface RestoreCommandResult {
  format: 'tidewatch' | 'pg_dump';
  rows: number;
  tables: { name: string; rows: number; checksum?: string }[];
  warnings: string[];
  ms: number;
}

/**
 * `restore --from FILE [--force]` into the configured database: a Tidewatch backup (checked whole
 * before anything is touched, then loaded and checked again in one transaction) or a pg_dump
 * custom-format file (PostgreSQL only, through pg_restore).
 */
export async function restoreCommand(
  env: NodeJS.ProcessEnv,
  o: RestoreCommandOptions,
  io: CommandIo = processIo,
): Promise<RestoreCommandResult> {
  // The rate counts checking the file, migrating, loading and checking the tables; not opening PGlite.
  let started = Date.now();
  const kind = sniffBackupFile(o.from);
  if (kind === 'unknown')
    throw new BackupError('not_a_backup', `${o.from} is neither a Tidewatch backup nor a pg_dump custom-format file`);
  const { config, idKey, idKeySource } = toolConfig(env);
  const onProgress = progressPrinter(io);
  const log = (l: string) => io.info(l);
  if (kind === 'pg_dump' && !config.DATABASE_URL) {
    throw new BackupError(
      'schema_mismatch',
      `${o.from} is a pg_dump file, which restores into PostgreSQL only (set DATABASE_URL); the embedded database restores from a backup in the default format`,
    );
  }
  // The file is read whole before the target is even opened: a damaged one changes nothing.
  const verified = kind === 'tidewatch' ? await verifyBackupFile(o.from, onProgress) : undefined;
  const openedAfter = Date.now() - started;
  if (verified) {
    io.info(
      `${o.from}: complete, ${verified.tables.length} tables and ${verified.rows} rows match their checksums (taken ${verified.header.created_at} by Tidewatch ${verified.header.tidewatch})`,
    );
    // Before the target is opened (an embedded one would be created): a refusal leaves nothing behind.
    checkIdKey(verified.header, { force: o.force, targetIdKey: idKey, targetIdKeySource: idKeySource });
  }

  let db: Database;
  let target: string;
  if (config.DATABASE_URL) {
    target = describeUrl(config.DATABASE_URL);
    db = await createDatabase({ databaseUrl: config.DATABASE_URL, max: 1 });
    const others = await otherTidewatchSessions(db).catch(async (err) => {
      await db.close();
      throw err;
    });
    if (others.length) {
      await db.close();
      throw new BackupError(
        'target_in_use',
        `${others.length} other Tidewatch connection(s) use ${target} (server pids ${others.map((s) => `${s.pid}${s.client ? ` from ${s.client}` : ''}`).join(', ')}): ` +
          'stop every Tidewatch server on this database first; a restore under running servers would leave them with stale caches',
      );
    }
  } else {
    target = `the embedded database in ${config.dataDir}`;
    const live = await pingServer(config.dataDir);
    if (live) {
      throw new BackupError(
        'target_in_use',
        `a Tidewatch server (pid ${live.pid}) is running on ${config.dataDir}: a restore never goes through a running server. Stop it, restore, then start it again`,
      );
    }
    db = await openEmbedded(config.dataDir, 'restore');
  }
  started = Date.now() - openedAfter;

  try {
    const ms = () => Date.now() - started;
    if (kind === 'pg_dump') {
      const r = await restorePgDump(db, config.DATABASE_URL!, o.from, {
        force: o.force,
        binDir: o.pgBin,
        log,
        onLine: log,
      });
      const rows = r.contents.tables.reduce((n, t) => n + t.rows, 0);
      io.result(`restored ${o.from} (pg_dump) into ${target}: ${r.contents.tables.length} tables, ${rate(rows, ms())}`);
      return { format: 'pg_dump', rows, tables: r.contents.tables, warnings: [], ms: ms() };
    }
    const r = await restoreBackup(db, o.from, {
      force: o.force,
      targetIdKey: idKey,
      targetIdKeySource: idKeySource,
      verified,
      onProgress,
      log,
    });
    for (const w of r.warnings) io.info(`warning: ${w}`);
    io.result(
      `restored ${o.from} (taken ${r.header.created_at} from ${r.header.source.kind}${r.header.source.timescale ? ' + TimescaleDB' : ''}) into ${target}: ` +
        `${r.tables.length} tables, ${rate(r.rows, ms())}, every table checked against the backup's checksums` +
        (r.upgraded.length ? `; then upgraded with ${r.upgraded.length} newer migration(s)` : ''),
    );
    return { format: 'tidewatch', rows: r.rows, tables: r.tables, warnings: r.warnings, ms: ms() };
  } finally {
    await db.close();
  }
}
