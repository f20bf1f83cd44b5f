import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupError,
  backupLines,
  RESTORE_CHUNK_ROWS,
  RowChecksum,
  verifyBackup,
  type TBackupHeader,
} from './backup-format.ts';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest();

/** The reference: the sum of md5s as 128-bit integers, modulo 2^128, by BigInt. */
function referenceSum(rows: string[]): string {
  let s = 0n;
  for (const r of rows) s = (s + BigInt(`0x${md5(r).toString('hex')}`)) % (1n << 128n);
  return s.toString(16).padStart(32, '0');
}

function sumOf(rows: string[]): RowChecksum {
  const c = new RowChecksum();
  for (const r of rows) c.addText(r);
  return c;
}

function header(tables: { name: string; rows: number }[]): TBackupHeader {
  return {
    format: BACKUP_FORMAT,
    format_version: BACKUP_FORMAT_VERSION,
    tidewatch: '0.0.0-test',
    created_at: new Date(0).toISOString(),
    source: { kind: 'pglite', timescale: false, server_version: '17' },
    migrations: [{ version: '0001', name: 'core', variant: 'plain' }],
    id_key: { fingerprint: null, encrypted_rows: 0 },
    tables: tables.map((t) => ({ ...t, columns: [{ name: 'id', type: 'integer' }] })),
  };
}

/** A well-formed backup of the given tables, as text before gzip. */
function backupText(
  tables: Record<string, string[]>,
  h = header(Object.entries(tables).map(([name, rows]) => ({ name, rows: rows.length }))),
): string {
  let text = backupLines.header(h);
  let total = 0;
  for (const [name, rows] of Object.entries(tables)) {
    text += backupLines.tableStart(name);
    for (const r of rows) text += `${r}\n`;
    text += backupLines.tableEnd(name, sumOf(rows));
    total += rows.length;
  }
  return text + backupLines.complete(Object.keys(tables).length, total);
}

const verify = (bytes: Buffer) => verifyBackup(Readable.from([bytes]), 'test.twbackup');

async function failure(bytes: Buffer): Promise<BackupError> {
  try {
    await verify(bytes);
  } catch (err) {
    if (err instanceof BackupError) return err;
    throw err;
  }
  throw new Error('the backup was accepted');
}

const rows = (n: number, p = 'r') => Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, v: `${p}${i}` }));

describe('row checksums', () => {
  it('equal the sum of the rows md5s modulo 2^128, carries included', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 60 }), (xs) => {
        expect(sumOf(xs).hex()).toBe(referenceSum(xs));
      }),
    );
  });

  it('do not depend on row order, but see a duplicated or a changed row', () => {
    const xs = rows(50);
    expect(sumOf([...xs].reverse()).hex()).toBe(sumOf(xs).hex());
    expect(sumOf([...xs, xs[0]]).hex()).not.toBe(sumOf(xs).hex());
    expect(sumOf([...xs.slice(1), '{"id": 0, "v": "r0 "}']).hex()).not.toBe(sumOf(xs).hex());
  });

  it('give the same answer from the database md5 as from the row text', () => {
    const xs = ['{"a": "潮汐"}', '{"b": "\\u0000"}'];
    const fromDb = new RowChecksum();
    for (const x of xs) fromDb.addMd5Hex(md5(x).toString('hex'));
    expect(fromDb.hex()).toBe(sumOf(xs).hex());
    expect(fromDb.rows).toBe(2);
  });
});

describe('reading a backup', () => {
  const tables = { venues: rows(3, 'v'), gate_scans: rows(RESTORE_CHUNK_ROWS * 2 + 5, 's') };
  const good = gzipSync(backupText(tables));

  it('reads a complete file and sums it up', async () => {
    const s = await verify(good);
    expect(s.tables.map((t) => [t.name, t.rows])).toEqual([
      ['venues', 3],
      ['gate_scans', RESTORE_CHUNK_ROWS * 2 + 5],
    ]);
    expect(s.tables[1].checksum).toBe(referenceSum(tables.gate_scans));
    expect(s.rows).toBe(3 + RESTORE_CHUNK_ROWS * 2 + 5);
  });

  it('calls a truncated file truncated, wherever it was cut', async () => {
    for (const keep of [0.95, 0.5, 0.1]) {
      const e = await failure(good.subarray(0, Math.floor(good.length * keep)));
      expect(e.reason).toBe('corrupt');
      expect(e.message).toMatch(/truncated/);
    }
    // Cut at a line boundary, with the gzip stream itself intact: the last line is missing.
    const text = backupText(tables);
    const cut = gzipSync(text.slice(0, text.lastIndexOf('@{"complete"')));
    expect((await failure(cut)).message).toMatch(/truncated: its last line is missing/);
  });

  it('finds a damaged byte and an altered row, and names the table', async () => {
    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 2)] ^= 0x5a;
    expect((await failure(flipped)).reason).toBe('corrupt');
    const altered = gzipSync(gunzipSync(good).toString('utf8').replace('"v":"s17"', '"v":"s71"'));
    const e = await failure(altered);
    expect(e.reason).toBe('corrupt');
    expect(e.message).toMatch(/in table gate_scans.*checksum/);
  });

  it('holds every table to the row count its header announced', async () => {
    const h = header([
      { name: 'venues', rows: 4 },
      { name: 'gate_scans', rows: tables.gate_scans.length },
    ]);
    const e = await failure(gzipSync(backupText(tables, h)));
    expect(e.message).toMatch(/3 rows read, but the header says 4/);
  });

  it('tells a failed backup, another format and a newer format apart from damage', async () => {
    const failed = gzipSync(
      backupLines.header(header([{ name: 'venues', rows: 1 }])) +
        backupLines.tableStart('venues') +
        backupLines.failed('the database went away'),
    );
    const f = await failure(failed);
    expect(f.reason).toBe('producer_failed');
    expect(f.message).toContain('the database went away');
    expect((await failure(gzipSync('{"hello": "world"}\n'))).reason).toBe('not_a_backup');
    expect((await failure(gzipSync(''))).reason).toBe('not_a_backup');
    const newer = { ...header([]), format_version: BACKUP_FORMAT_VERSION + 1 };
    expect((await failure(gzipSync(`${JSON.stringify(newer)}\n`))).reason).toBe('unsupported_version');
    expect((await failure(Buffer.from('not even gzip'))).reason).toBe('corrupt');
  });
});
