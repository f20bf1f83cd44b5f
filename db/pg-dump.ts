import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Queryable } from './client.ts';

/**
 * PostgreSQL's own dump tools for the `--format pg_dump` backups: pg_dump's custom format restores
 * into PostgreSQL only (not PGlite), with the same extensions, but it is the format every
 * PostgreSQL operator knows. The tools run as child processes with the password in their
 * environment, never on their command line (which every local user can read in ps).
 */

export interface PgToolOptions {
  /** Directory holding pg_dump and pg_restore; PATH when unset (Debian's wrapper picks a version). */
  binDir?: string;
  /** Each line the tool writes to stderr (its --verbose progress, warnings). */
  onLine?: (line: string) => void;
}

const tool = (name: string, o: PgToolOptions) => (o.binDir ? path.join(o.binDir, name) : name);

/** A connection string without its password, and the environment that carries the password. */
function connection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  const env: NodeJS.ProcessEnv = { ...process.env, PGAPPNAME: 'tidewatch-backup' };
  if (password) env.PGPASSWORD = password;
  return { dbname: u.toString(), env };
}

/** A PostgreSQL tool that is missing or failed; the message ends with the last lines it wrote to stderr. */
export class PgToolError extends Error {
  constructor(
    message: string,
    public readonly missing: boolean,
    /** The end of what the tool wrote to stderr. */
    public readonly stderr: string,
  ) {
    super(message);
    this.name = 'PgToolError';
  }
}

/** Runs a tool; resolves with its stdout, rejects with PgToolError (missing binary, non-zero exit). */
function run(bin: string, args: string[], env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      const text = partial + d.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        err = `${err}${l}\n`.slice(-8_000);
        onLine?.(l);
      }
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        new PgToolError(
          e.code === 'ENOENT' ? `${bin} is not installed` : `${bin}: ${e.message}`,
          e.code === 'ENOENT',
          '',
        ),
      );
    });
    child.once('close', (code, signal) => {
      if (partial) {
        err += partial;
        onLine?.(partial);
      }
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const last = err.trim().split('\n').slice(-3).join(' / ');
      reject(
        new PgToolError(
          `${path.basename(bin)} failed (${signal ?? `exit ${code}`})${last ? `: ${last}` : ''}`,
          false,
          err,
        ),
      );
    });
  });
}

/** Major version of a PostgreSQL tool ("pg_dump (PostgreSQL) 15.20 (Debian ...)" → 15), undefined when not installed. */
export async function toolMajorVersion(
  name: 'pg_dump' | 'pg_restore',
  o: PgToolOptions = {},
): Promise<number | undefined> {
  try {
    const out = await run(tool(name, o), ['--version'], process.env);
    const m = /\(PostgreSQL\)\s+(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch (err) {
    if (err instanceof PgToolError && err.missing) return undefined;
    throw err;
  }
}

/** The server's major version (150010 → 15). */
export async function serverMajorVersion(q: Queryable): Promise<number> {
  const r = await q.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  return Math.floor(Number(r.rows[0].v) / 10_000);
}

/** pg_dump --format=custom of the whole database into file. */
export async function pgDump(url: string, file: string, o: PgToolOptions = {}): Promise<void> {
  const { dbname, env } = connection(url);
  await run(
    tool('pg_dump', o),
    ['--format=custom', '--verbose', `--file=${file}`, `--dbname=${dbname}`],
    env,
    o.onLine,
  );
}

/**
 * Reads a whole custom-format archive without a database (its SQL goes to /dev/null), so a
 * truncated or damaged file is found before anything is changed.
 */
export async function checkPgDumpArchive(file: string, o: PgToolOptions = {}): Promise<void> {
  await run(tool('pg_restore', o), ['--file=/dev/null', file], process.env);
}

/** The archive's table of contents, one entry per line (pg_restore --list). */
export async function pgDumpContents(file: string, o: PgToolOptions = {}): Promise<string[]> {
  return (await run(tool('pg_restore', o), ['--list', file], process.env))
    .split('\n')
    .filter((l) => l && !l.startsWith(';'));
}

/** The migration versions recorded in the archive's schema_migrations (its COPY data, first column). */
export async function pgDumpMigrations(file: string, o: PgToolOptions = {}): Promise<string[]> {
  const sql = await run(
    tool('pg_restore', o),
    ['--data-only', '--table=schema_migrations', '--file=-', file],
    process.env,
  );
  const versions: string[] = [];
  let inCopy = false;
  for (const line of sql.split('\n')) {
    if (!inCopy) inCopy = /^COPY\s+(public\.)?schema_migrations\s/.test(line);
    else if (line === '\\.') inCopy = false;
    else versions.push(line.split('\t')[0]);
  }
  return versions;
}

export interface PgRestoreOptions extends PgToolOptions {
  /** Drop the archive's objects first (replacing a non-empty database). */
  clean: boolean;
  /** All or nothing; TimescaleDB's restore mode cannot run in one transaction. */
  singleTransaction: boolean;
}

/** pg_restore into the database, stopping at the first error; objects end up owned by the restoring user. */
export async function pgRestore(url: string, file: string, o: PgRestoreOptions): Promise<void> {
  const { dbname, env } = connection(url);
  const args = ['--verbose', '--exit-on-error', '--no-owner', `--dbname=${dbname}`];
  if (o.clean) args.push('--clean', '--if-exists');
  if (o.singleTransaction) args.push('--single-transaction');
  await run(tool('pg_restore', o), [...args, file], env, o.onLine);
}
