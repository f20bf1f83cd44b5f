import { hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';
import { AppError, type TErrorCode } from '../lib/errors.ts';

/**
 * The portable Tidewatch backup file: gzip around JSON lines, readable by any Tidewatch that knows
 * its migrations, whatever the database (PGlite, PostgreSQL, PostgreSQL + TimescaleDB) on either
 * side. Rows are `to_jsonb(row)::text`, so columns travel by name, not by position or physical
 * layout (a hypertable and a plain table look the same), and jsonb's own key order makes the text,
 * and so the checksums, independent of column order.
 *
 *   line 1            header (ZBackupHeader): versions, migrations, source, ID-key fingerprint,
 *                     per-table columns and the row counts of the snapshot
 *   @{"table":T}      then T's rows, one JSON object per line
 *   @{"end":T,...}    T's row count and checksum, computed over the lines just written
 *   @{"complete":..}  the last line; a file without it is truncated
 *   @{"error":msg}    instead of "complete" when the producer failed half way (the server says why)
 *
 * Checksums are taken while the rows stream (one pass, bounded memory, no long query holding the
 * embedded database's only session), so they sit at the end of each table rather than in the header.
 */

/** Written in the header; a reader refuses versions it does not know. */
export const BACKUP_FORMAT = 'tidewatch-backup';
export const BACKUP_FORMAT_VERSION = 1;

/** Control lines start with this; row lines are JSON objects and so start with "{". */
const CONTROL = '@';

/** Rows handed to the database per insert when restoring: big enough to amortise a round trip. */
export const RESTORE_CHUNK_ROWS = 2_000;
/** ...and at most this many bytes of JSON per insert, so wide rows do not make one huge parameter. */
export const RESTORE_CHUNK_BYTES = 4 * 1024 * 1024;

const ZColumn = z.object({ name: z.string().min(1), type: z.string().min(1) });

export const ZBackupHeader = z.object({
  format: z.literal(BACKUP_FORMAT),
  format_version: z.number().int(),
  /** Tidewatch's package version that took the backup. */
  tidewatch: z.string(),
  created_at: z.string(),
  source: z.object({
    kind: z.enum(['postgres', 'pglite']),
    timescale: z.boolean(),
    server_version: z.string(),
  }),
  /** schema_migrations of the source: the schema the rows fit. */
  migrations: z.array(z.object({ version: z.string(), name: z.string(), variant: z.string() })),
  /** Which ID-card key the encrypted columns need (a one-way fingerprint, never the key). */
  id_key: z.object({ fingerprint: z.string().nullable(), encrypted_rows: z.number().int().min(0) }),
  /** In load order (referenced tables first). */
  tables: z.array(z.object({ name: z.string().min(1), rows: z.number().int().min(0), columns: z.array(ZColumn) })),
});
export type TBackupHeader = z.infer<typeof ZBackupHeader>;

const ZTableStart = z.object({ table: z.string() });
const ZTableEnd = z.object({
  end: z.string(),
  rows: z.number().int().min(0),
  checksum: z.string().regex(/^[0-9a-f]{32}$/),
});
const ZComplete = z.object({ complete: z.literal(true), tables: z.number().int(), rows: z.number().int() });
const ZFailed = z.object({ error: z.string() });

/** Why a backup or restore was refused or failed; `reason` is for callers and tests, the message for people. */
export type TBackupFailure =
  | 'not_a_backup'
  | 'unsupported_version'
  | 'corrupt'
  | 'producer_failed'
  | 'target_not_empty'
  | 'target_in_use'
  | 'id_key_mismatch'
  | 'schema_mismatch'
  | 'verify_failed'
  | 'restore_failed'
  | 'half_restored'
  | 'pg_dump_unavailable'
  | 'tool_failed'
  | 'nothing_to_back_up';

const FAILURE_CODES: Record<TBackupFailure, TErrorCode> = {
  not_a_backup: 'invalid',
  unsupported_version: 'invalid',
  corrupt: 'invalid',
  producer_failed: 'unavailable',
  target_not_empty: 'conflict',
  target_in_use: 'data_dir_locked',
  id_key_mismatch: 'conflict',
  schema_mismatch: 'conflict',
  verify_failed: 'internal',
  restore_failed: 'internal',
  half_restored: 'internal',
  pg_dump_unavailable: 'invalid',
  tool_failed: 'internal',
  nothing_to_back_up: 'not_found',
};

/** A typed backup/restore error: an AppError (so the CLI prints it plainly) with a precise reason. */
export class BackupError extends AppError {
  constructor(
    public readonly reason: TBackupFailure,
    message: string,
  ) {
    super(FAILURE_CODES[reason], message);
    this.name = 'BackupError';
  }
}

/**
 * Order-independent checksum of a table's rows: the sum, modulo 2^128, of md5(row text) read as
 * big-endian integers. A sum (unlike a sorted list of hashes) needs constant memory however many
 * rows there are; unlike XOR it still notices a duplicated row. It detects damage and mistakes,
 * not forgery: anyone who can edit the file can edit the checksums too.
 */
export class RowChecksum {
  /** Four 32-bit limbs, most significant first. */
  private readonly limbs = [0, 0, 0, 0];
  rows = 0;

  /** Adds a row given as its JSON text (hashed as UTF-8, as the database's md5() does). */
  addText(text: string): void {
    this.addDigest(hash('md5', text, 'buffer'));
  }

  /** Adds a row whose md5 the database computed (32 hex characters). */
  addMd5Hex(hex: string): void {
    this.addDigest(Buffer.from(hex, 'hex'));
  }

  private addDigest(d: Buffer): void {
    let carry = 0;
    for (let i = 3; i >= 0; i--) {
      const s = this.limbs[i] + d.readUInt32BE(i * 4) + carry;
      this.limbs[i] = s >>> 0;
      carry = s > 0xffff_ffff ? 1 : 0;
    }
    this.rows++;
  }

  hex(): string {
    return this.limbs.map((l) => l.toString(16).padStart(8, '0')).join('');
  }
}

/** The lines of a backup, each ending in "\n": the producer yields these and they are gzip'd as they go. */
export const backupLines = {
  header: (h: TBackupHeader) => `${JSON.stringify(h)}\n`,
  tableStart: (table: string) => `${CONTROL}${JSON.stringify({ table })}\n`,
  tableEnd: (table: string, sum: RowChecksum) =>
    `${CONTROL}${JSON.stringify({ end: table, rows: sum.rows, checksum: sum.hex() })}\n`,
  complete: (tables: number, rows: number) => `${CONTROL}${JSON.stringify({ complete: true, tables, rows })}\n`,
  failed: (message: string) => `${CONTROL}${JSON.stringify({ error: message })}\n`,
};

export type TBackupEvent =
  | { kind: 'header'; header: TBackupHeader }
  | { kind: 'table'; table: string; expected: number }
  | { kind: 'rows'; table: string; rows: string[]; done: number; expected: number }
  | { kind: 'end'; table: string; rows: number; checksum: string }
  | { kind: 'complete'; tables: number; rows: number };

/** What a backup holds, once every line has been read and checked. */
export interface BackupSummary {
  header: TBackupHeader;
  tables: { name: string; rows: number; checksum: string }[];
  rows: number;
}

/** What kind of file this is, from its first bytes. */
export function sniffBackupFile(file: string): 'tidewatch' | 'pg_dump' | 'unknown' {
  const buf = Buffer.alloc(5);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new BackupError('not_a_backup', `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const n = readSync(fd, buf, 0, 5, 0);
    if (n >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return 'tidewatch';
    if (n === 5 && buf.toString('latin1') === 'PGDMP') return 'pg_dump';
    return 'unknown';
  } finally {
    closeSync(fd);
  }
}

function parseControl<T>(line: string, schema: z.ZodType<T>): T | undefined {
  if (!line.startsWith(CONTROL)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line.slice(1));
  } catch {
    return undefined;
  }
  const r = schema.safeParse(value);
  return r.success ? r.data : undefined;
}

/**
 * Reads a backup stream, checking as it goes: the header, every table in the header's order, each
 * table's row count against the header and its end line, each checksum against the rows read, and
 * the final "complete" line. Throws BackupError('corrupt' | 'producer_failed' | ...) naming where
 * the file went wrong. Rows come in chunks sized for one insert.
 */
export async function* readBackup(input: Readable, name = 'the backup'): AsyncGenerator<TBackupEvent> {
  const gunzip = createGunzip();
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  const lines = createInterface({ input: gunzip, crlfDelay: Infinity });
  let header: TBackupHeader | undefined;
  let tableIndex = -1;
  let table: { name: string; expected: number; sum: RowChecksum } | undefined;
  let chunk: string[] = [];
  let chunkBytes = 0;
  let completed = false;
  let totalRows = 0;
  const where = () =>
    table
      ? `in table ${table.name} after row ${table.sum.rows}`
      : header
        ? `after table ${header.tables[tableIndex]?.name ?? '(none)'}`
        : 'in its header';
  const corrupt = (what: string) => new BackupError('corrupt', `${name} is damaged ${where()}: ${what}`);
  try {
    for await (const line of lines) {
      if (completed) throw corrupt('there is data after its last line');
      if (!header) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          throw new BackupError(
            'not_a_backup',
            `${name} is gzip but not a Tidewatch backup (its first line is not a header)`,
          );
        }
        const obj = parsed as { format?: unknown; format_version?: unknown };
        if (obj?.format !== BACKUP_FORMAT)
          throw new BackupError('not_a_backup', `${name} is gzip but not a Tidewatch backup`);
        if (obj.format_version !== BACKUP_FORMAT_VERSION) {
          throw new BackupError(
            'unsupported_version',
            `${name} is a Tidewatch backup of format ${String(obj.format_version)}; this Tidewatch reads format ${BACKUP_FORMAT_VERSION}`,
          );
        }
        const h = ZBackupHeader.safeParse(parsed);
        if (!h.success)
          throw corrupt(`its header does not parse (${h.error.issues.map((i) => i.path.join('.')).join(', ')})`);
        header = h.data;
        yield { kind: 'header', header };
        continue;
      }
      if (table) {
        if (line.startsWith('{')) {
          table.sum.addText(line);
          chunk.push(line);
          chunkBytes += line.length;
          if (table.sum.rows > table.expected)
            throw corrupt(`it holds more rows than the ${table.expected} its header announces`);
          if (chunk.length >= RESTORE_CHUNK_ROWS || chunkBytes >= RESTORE_CHUNK_BYTES) {
            yield { kind: 'rows', table: table.name, rows: chunk, done: table.sum.rows, expected: table.expected };
            chunk = [];
            chunkBytes = 0;
          }
          continue;
        }
        const end = parseControl(line, ZTableEnd);
        if (!end || end.end !== table.name) {
          const failed = parseControl(line, ZFailed);
          if (failed)
            throw new BackupError(
              'producer_failed',
              `${name} is incomplete: the backup failed while it was written (${failed.error})`,
            );
          throw corrupt('a line is neither a row nor the end of the table');
        }
        if (chunk.length)
          yield { kind: 'rows', table: table.name, rows: chunk, done: table.sum.rows, expected: table.expected };
        chunk = [];
        chunkBytes = 0;
        if (end.rows !== table.sum.rows || table.expected !== table.sum.rows) {
          throw corrupt(
            `${table.sum.rows} rows read, but the header says ${table.expected} and the table's end says ${end.rows}`,
          );
        }
        if (end.checksum !== table.sum.hex())
          throw corrupt(`the rows do not match the table's checksum (a row was altered)`);
        totalRows += table.sum.rows;
        const done = { kind: 'end' as const, table: table.name, rows: table.sum.rows, checksum: end.checksum };
        table = undefined;
        yield done;
        continue;
      }
      const failed = parseControl(line, ZFailed);
      if (failed)
        throw new BackupError(
          'producer_failed',
          `${name} is incomplete: the backup failed while it was written (${failed.error})`,
        );
      const start = parseControl(line, ZTableStart);
      if (start) {
        const next = header.tables[tableIndex + 1];
        if (!next || next.name !== start.table)
          throw corrupt(`table ${start.table} is not the next one the header lists (${next?.name ?? 'none'})`);
        tableIndex++;
        table = { name: start.table, expected: next.rows, sum: new RowChecksum() };
        yield { kind: 'table', table: start.table, expected: next.rows };
        continue;
      }
      const complete = parseControl(line, ZComplete);
      if (complete) {
        if (tableIndex !== header.tables.length - 1)
          throw corrupt(`it ends before table ${header.tables[tableIndex + 1].name}`);
        if (complete.rows !== totalRows || complete.tables !== header.tables.length)
          throw corrupt('its last line does not add up to its tables');
        completed = true;
        yield { kind: 'complete', tables: complete.tables, rows: complete.rows };
        continue;
      }
      throw corrupt('a line is not part of the format');
    }
  } catch (err) {
    if (err instanceof BackupError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'Z_BUF_ERROR') throw corrupt('the file is truncated (an interrupted copy or a full disk?)');
    if (typeof e.code === 'string' && e.code.startsWith('Z_'))
      throw corrupt(`the compressed data is damaged (${e.message})`);
    throw err;
  } finally {
    lines.close();
    input.destroy();
  }
  if (!header) throw new BackupError('not_a_backup', `${name} is empty`);
  if (!completed) throw corrupt('the file is truncated: its last line is missing');
}

/** Reads a whole backup without a database: every count and checksum checked, nothing kept but the summary. */
export async function verifyBackup(
  input: Readable,
  name?: string,
  onEvent?: (e: TBackupEvent) => void,
): Promise<BackupSummary> {
  let header: TBackupHeader | undefined;
  const tables: BackupSummary['tables'] = [];
  let rows = 0;
  for await (const e of readBackup(input, name)) {
    onEvent?.(e);
    if (e.kind === 'header') header = e.header;
    else if (e.kind === 'end') tables.push({ name: e.table, rows: e.rows, checksum: e.checksum });
    else if (e.kind === 'complete') rows = e.rows;
  }
  return { header: header!, tables, rows };
}
