import type { Database, Queryable } from './client.ts';

/**
 * The SQL behind backups and restores (server/services/backup.ts runs them): which tables hold
 * Tidewatch's data and in which order they load, a consistent snapshot read in chunks, loading
 * rows back by column name, sequences, checksums and the TimescaleDB clean-up after a restore.
 */

export interface BackupColumn {
  name: string;
  type: string;
}

export interface DataTable {
  name: string;
  columns: BackupColumn[];
  /** Generated columns are read but never written. */
  generated: string[];
}

export interface MigrationRow {
  version: string;
  name: string;
  variant: string;
}

export interface SnapshotTable extends DataTable {
  rows: number;
}

/** Tables, their rows and metadata as of one instant. */
export interface Snapshot {
  kind: Database['kind'];
  serverVersion: string;
  timescale: boolean;
  migrations: MigrationRow[];
  tables: SnapshotTable[];
  /** Rows whose encrypted columns need the ID-card key to be read. */
  encryptedRows: number;
  /** The table's rows as JSON text (to_jsonb), in chunks, from the snapshot. */
  rows(table: string): AsyncGenerator<string[]>;
}

/** Rows per FETCH on PostgreSQL: a few MB per round trip, bounded memory. */
const FETCH_ROWS = 5_000;
/** Heap pages per read of a PGlite snapshot copy (~70 gate scans a page): each read briefly holds the only session. */
const PGLITE_PAGES_PER_READ = 64;
/** Row digests per FETCH when checking a restored table: 32 hex characters each. */
const DIGEST_FETCH_ROWS = 20_000;
/** Continuous aggregates are refreshed this much at a time after a restore: each call stays short. */
const CAGG_REFRESH_WINDOW_DAYS = 7;

/**
 * Columns holding ID-card data encrypted with the installation's key (server/services/id-crypto.ts):
 * a backup says how many rows need that key, since the key itself is never in it.
 */
const ENCRYPTED_COLUMNS: [table: string, column: string][] = [['orders', 'id_number_enc']];

/**
 * Output settings for the snapshot and for checking a restore, local to the transaction: JSON text
 * of timestamps depends on TimeZone, so both sides must render in the same zone to compare. Long
 * scans of big tables must not hit the app's statement timeout.
 */
const TX_SETTINGS = `SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true),
  set_config('IntervalStyle', 'postgres', true), set_config('bytea_output', 'hex', true),
  set_config('extra_float_digits', '1', true), set_config('statement_timeout', '0', true),
  set_config('idle_in_transaction_session_timeout', '0', true)`;

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const qualified = (table: string) => `public.${ident(table)}`;

/** Cursor and temporary table names unique within this process (PGlite's one session is shared). */
let nameSeq = 0;
const uniqueName = (what: string) => `tw_${what}_${process.pid}_${++nameSeq}`;

/**
 * Tidewatch's data tables (schema public, not owned by an extension, not the migration
 * bookkeeping), referenced tables first so that rows load without breaking a foreign key. Views and
 * continuous aggregates are not tables here: a restore rebuilds them from the rows.
 */
export async function listDataTables(q: Queryable): Promise<DataTable[]> {
  const tables = await q.query<{ name: string }>(
    `SELECT c.relname AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'schema_migrations'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
     ORDER BY c.relname`,
  );
  const cols = await q.query<{ table: string; name: string; type: string; generated: boolean }>(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attgenerated <> '' AS generated
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY c.relname, a.attnum`,
  );
  const fks = await q.query<{ table: string; references: string }>(
    `SELECT c.relname AS table, r.relname AS references
     FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE k.contype = 'f' AND n.nspname = 'public'`,
  );
  const byName = new Map<string, DataTable>(
    tables.rows.map((t) => [t.name, { name: t.name, columns: [], generated: [] }]),
  );
  for (const c of cols.rows) {
    const t = byName.get(c.table);
    if (!t) continue;
    t.columns.push({ name: c.name, type: c.type });
    if (c.generated) t.generated.push(c.name);
  }
  const deps = new Map<string, Set<string>>([...byName.keys()].map((n) => [n, new Set<string>()]));
  for (const fk of fks.rows)
    if (fk.table !== fk.references && byName.has(fk.references)) deps.get(fk.table)?.add(fk.references);
  return loadOrder(deps).map((n) => byName.get(n)!);
}

/** Topological order, alphabetical among equals so every backup of one schema lists tables alike. */
function loadOrder(deps: Map<string, Set<string>>): string[] {
  const order: string[] = [];
  const left = new Map([...deps].map(([k, v]) => [k, new Set(v)]));
  while (left.size) {
    const ready = [...left]
      .filter(([, d]) => d.size === 0)
      .map(([k]) => k)
      .sort();
    if (!ready.length)
      throw new Error(`foreign keys form a cycle between ${[...left.keys()].join(', ')}: no load order exists`);
    for (const name of ready) {
      order.push(name);
      left.delete(name);
      for (const d of left.values()) d.delete(name);
    }
  }
  return order;
}

async function readMigrations(q: Queryable): Promise<MigrationRow[]> {
  const exists = await q.query<{ t: string | null }>("SELECT to_regclass('public.schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) return [];
  return (await q.query<MigrationRow>('SELECT version, name, variant FROM schema_migrations ORDER BY version')).rows;
}

async function hasTimescale(q: Queryable): Promise<boolean> {
  return (await q.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")).rows.length > 0;
}

async function countEncrypted(q: Queryable, tables: DataTable[], source: (table: string) => string): Promise<number> {
  let n = 0;
  for (const [table, column] of ENCRYPTED_COLUMNS) {
    if (!tables.find((t) => t.name === table)?.columns.some((c) => c.name === column)) continue;
    n += (await q.query<{ n: number }>(`SELECT count(*) AS n FROM ${source(table)} WHERE ${ident(column)} IS NOT NULL`))
      .rows[0].n;
  }
  return n;
}

/**
 * Runs fn with a consistent snapshot of every data table.
 *
 * PostgreSQL: one REPEATABLE READ READ ONLY transaction, each table read through a cursor, so the
 * servers keep writing while it runs and memory stays bounded.
 *
 * PGlite has a single session that every request of the running server shares: a transaction
 * held open for the whole backup would stop the gates for its length. So the snapshot is one short
 * transaction that copies each table into a temporary table (a plain heap copy, a fraction of the
 * cost of rendering JSON), and the copies are then read a few pages at a time, each read its own
 * short query that the server's transactions interleave with. The copies are dropped at the end.
 */
export async function withSnapshot<T>(db: Database, fn: (snap: Snapshot) => Promise<T>): Promise<T> {
  return db.kind === 'postgres' ? postgresSnapshot(db, fn) : pgliteSnapshot(db, fn);
}

async function readMeta(q: Queryable) {
  const serverVersion = (await q.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
  const timescale = await hasTimescale(q);
  const migrations = await readMigrations(q);
  const tables = await listDataTables(q);
  return { serverVersion, timescale, migrations, tables };
}

async function postgresSnapshot<T>(db: Database, fn: (snap: Snapshot) => Promise<T>): Promise<T> {
  return db.session(async (conn) => {
    await conn.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    try {
      await conn.query(TX_SETTINGS);
      const meta = await readMeta(conn);
      const tables: SnapshotTable[] = [];
      for (const t of meta.tables) {
        const n = (await conn.query<{ n: number }>(`SELECT count(*) AS n FROM ${qualified(t.name)}`)).rows[0].n;
        tables.push({ ...t, rows: n });
      }
      const encryptedRows = await countEncrypted(conn, meta.tables, qualified);
      const out = await fn({
        kind: 'postgres',
        ...meta,
        tables,
        encryptedRows,
        async *rows(table) {
          const cursor = uniqueName('backup');
          await conn.query(
            `DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT to_jsonb(t)::text AS j FROM ${qualified(table)} t`,
          );
          try {
            for (;;) {
              const r = await conn.query<{ j: string }>(`FETCH ${FETCH_ROWS} FROM ${cursor}`);
              if (!r.rows.length) return;
              yield r.rows.map((x) => x.j);
            }
          } finally {
            await conn.query(`CLOSE ${cursor}`).catch(() => {});
          }
        },
      });
      await conn.query('COMMIT');
      return out;
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => {});
      throw err;
    }
  });
}

async function pgliteSnapshot<T>(db: Database, fn: (snap: Snapshot) => Promise<T>): Promise<T> {
  const copies = new Map<string, { temp: string; pages: number }>();
  try {
    const snap = await db.transaction(async (tx) => {
      // Not READ ONLY: the copies are (temporary) writes.
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await tx.query(TX_SETTINGS);
      const meta = await readMeta(tx);
      const tables: SnapshotTable[] = [];
      for (const t of meta.tables) {
        const temp = uniqueName('snap');
        await tx.query(`CREATE TEMPORARY TABLE ${temp} AS SELECT * FROM ${qualified(t.name)}`);
        copies.set(t.name, { temp, pages: 0 });
        const r = await tx.query<{ n: number; pages: number }>(
          `SELECT count(*) AS n, pg_relation_size('pg_temp.${temp}') / current_setting('block_size')::int AS pages FROM pg_temp.${temp}`,
        );
        copies.set(t.name, { temp, pages: r.rows[0].pages });
        tables.push({ ...t, rows: r.rows[0].n });
      }
      const encryptedRows = await countEncrypted(tx, meta.tables, (table) => `pg_temp.${copies.get(table)!.temp}`);
      return { ...meta, tables, encryptedRows };
    });
    return await fn({
      kind: 'pglite',
      ...snap,
      async *rows(table) {
        const copy = copies.get(table);
        if (!copy) throw new Error(`table ${table} is not in the snapshot`);
        for (let page = 0; page < copy.pages; page += PGLITE_PAGES_PER_READ) {
          // A TID range scan reads just these pages of the copy; the settings are per transaction.
          const rows = await db.transaction(async (tx) => {
            await tx.query(TX_SETTINGS);
            const r = await tx.query<{ j: string }>(
              `SELECT to_jsonb(t)::text AS j FROM pg_temp.${copy.temp} t WHERE ctid >= $1::tid AND ctid < $2::tid`,
              [`(${page},0)`, `(${page + PGLITE_PAGES_PER_READ},0)`],
            );
            return r.rows.map((x) => x.j);
          });
          if (rows.length) yield rows;
        }
      },
    });
  } finally {
    for (const { temp } of copies.values()) await db.query(`DROP TABLE IF EXISTS pg_temp.${temp}`).catch(() => {});
  }
}

export interface DatabaseContents {
  migrations: MigrationRow[];
  tables: { name: string; rows: number }[];
  timescale: boolean;
}

/** What a restore target holds: its migrations and the row count of each data table. */
export async function inspectContents(q: Queryable): Promise<DatabaseContents> {
  const tables = await listDataTables(q);
  const counts: DatabaseContents['tables'] = [];
  for (const t of tables)
    counts.push({
      name: t.name,
      rows: (await q.query<{ n: number }>(`SELECT count(*) AS n FROM ${qualified(t.name)}`)).rows[0].n,
    });
  return { migrations: await readMigrations(q), tables: counts, timescale: await hasTimescale(q) };
}

/** Sessions of Tidewatch servers (or other CLI runs) on this database, other than this one. */
export async function otherTidewatchSessions(
  q: Queryable,
): Promise<{ pid: number; client: string | null; since: string }[]> {
  const r = await q.query<{ pid: number; client: string | null; since: string }>(
    `SELECT pid, client_addr::text AS client, backend_start::text AS since FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'tidewatch' AND pid <> pg_backend_pid()`,
  );
  return r.rows;
}

/** Applies TX_SETTINGS to the open transaction (the restore checks rows under the same rendering). */
export async function setRestoreSettings(tx: Queryable): Promise<void> {
  await tx.query(TX_SETTINGS);
}

/**
 * Empties the tables inside the caller's transaction, so a failed restore rolls back to the old
 * data. The audit log refuses TRUNCATE by trigger (it is append-only for the app); its owner may
 * lift that for this transaction only, which is what replacing a whole database means.
 */
export async function truncateTables(tx: Queryable, tables: string[]): Promise<void> {
  if (!tables.length) return;
  const triggers = await tx.query<{ table: string; name: string }>(
    `SELECT c.relname AS table, t.tgname AS name
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND NOT t.tgisinternal AND t.tgenabled <> 'D' AND (t.tgtype & 32) <> 0 AND c.relname = ANY($1::text[])`,
    [tables],
  );
  for (const t of triggers.rows) await tx.query(`ALTER TABLE ${qualified(t.table)} DISABLE TRIGGER ${ident(t.name)}`);
  await tx.query(`TRUNCATE TABLE ${tables.map(qualified).join(', ')} RESTART IDENTITY`);
  for (const t of triggers.rows) await tx.query(`ALTER TABLE ${qualified(t.table)} ENABLE TRIGGER ${ident(t.name)}`);
}

/**
 * Inserts rows given as JSON objects (to_jsonb text), matching columns by name. json rather than
 * jsonb: the text is parsed once either way, and json skips building a binary copy (~10% faster).
 */
export async function insertRows(tx: Queryable, table: string, columns: string[], rows: string[]): Promise<void> {
  const cols = columns.map(ident).join(', ');
  await tx.query(
    `INSERT INTO ${qualified(table)} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${qualified(table)}, $1::json)`,
    [`[${rows.join(',')}]`],
  );
}

/** Moves every serial/identity sequence to its column's largest value, so new rows get fresh ids. */
export async function resetSequences(tx: Queryable): Promise<number> {
  const seqs = await tx.query<{ table: string; column: string; seq: string | null }>(
    `SELECT c.relname AS table, a.attname AS column, pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) AS seq
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped`,
  );
  let n = 0;
  for (const s of seqs.rows) {
    if (!s.seq) continue;
    await tx.query(
      `SELECT setval($1::regclass, coalesce(m, 1), m IS NOT NULL) FROM (SELECT max(${ident(s.column)})::bigint AS m FROM ${qualified(s.table)}) x`,
      [s.seq],
    );
    n++;
  }
  return n;
}

/**
 * md5 of each row's JSON text, in chunks, read through a cursor in the caller's transaction: the
 * restore sums them the way the backup summed the rows it wrote (db/backup-format.ts RowChecksum).
 * The database hashes its UTF-8 text, so this is only valid on a UTF8 database (checked by the caller).
 */
export async function* rowDigests(tx: Queryable, table: string): AsyncGenerator<string[]> {
  const cursor = uniqueName('digest');
  await tx.query(
    `DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT md5(to_jsonb(t)::text) AS h FROM ${qualified(table)} t`,
  );
  try {
    for (;;) {
      const r = await tx.query<{ h: string }>(`FETCH ${DIGEST_FETCH_ROWS} FROM ${cursor}`);
      if (!r.rows.length) return;
      yield r.rows.map((x) => x.h);
    }
  } finally {
    await tx.query(`CLOSE ${cursor}`).catch(() => {});
  }
}

/** The database's text encoding (md5() hashes text in it). */
export async function serverEncoding(q: Queryable): Promise<string> {
  return (await q.query<{ e: string }>("SELECT current_setting('server_encoding') AS e")).rows[0].e;
}

/**
 * Drops everything the migrations made (tables, views, continuous aggregates, functions), keeping
 * extensions: used when a restore target was migrated beyond the backup and its schema has to be
 * rebuilt at the backup's version. Not one transaction (TimescaleDB objects refuse it), so the
 * caller must say that a failure after this point leaves the target empty.
 */
export async function dropTidewatchObjects(db: Database): Promise<void> {
  const notExtension = (catalog: string, alias: string) =>
    `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${alias}.oid AND d.deptype = 'e')`;
  if (await hasTimescale(db)) {
    const caggs = await db.query<{ name: string }>(
      "SELECT view_name AS name FROM timescaledb_information.continuous_aggregates WHERE view_schema = 'public'",
    );
    for (const c of caggs.rows) await db.query(`DROP MATERIALIZED VIEW IF EXISTS ${qualified(c.name)} CASCADE`);
  }
  const rels = await db.query<{ name: string; kind: string }>(
    `SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm', 'r', 'p') AND NOT c.relispartition AND ${notExtension('pg_class', 'c')}`,
  );
  for (const r of rels.rows.filter((x) => x.kind === 'v' || x.kind === 'm')) {
    await db.query(`DROP ${r.kind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW'} IF EXISTS ${qualified(r.name)} CASCADE`);
  }
  const tables = rels.rows.filter((x) => x.kind === 'r' || x.kind === 'p').map((x) => qualified(x.name));
  if (tables.length) await db.query(`DROP TABLE IF EXISTS ${tables.join(', ')} CASCADE`);
  const fns = await db.query<{ sig: string }>(
    `SELECT p.oid::regprocedure::text AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND ${notExtension('pg_proc', 'p')}`,
  );
  for (const f of fns.rows) await db.query(`DROP FUNCTION IF EXISTS ${f.sig} CASCADE`);
}

/**
 * TimescaleDB: continuous aggregates made by the restore's migrations know nothing of the rows
 * loaded after them, and their refresh policies only look a few hours back, so older buckets would
 * stay missing for good. Refreshes each one over the whole range of its hypertable, a week at a
 * time (refresh_continuous_aggregate cannot run inside a transaction). Returns how many it refreshed.
 */
export async function refreshContinuousAggregates(
  db: Database,
  log: (msg: string) => void = () => {},
): Promise<number> {
  if (!(await hasTimescale(db))) return 0;
  const caggs = await db.query<{ view: string; hypertable: string; column: string }>(
    `SELECT ca.view_name AS view, ca.hypertable_name AS hypertable, d.column_name AS column
     FROM timescaledb_information.continuous_aggregates ca
     JOIN timescaledb_information.dimensions d ON d.hypertable_schema = ca.hypertable_schema AND d.hypertable_name = ca.hypertable_name AND d.dimension_number = 1
     WHERE ca.view_schema = 'public'`,
  );
  for (const c of caggs.rows) {
    const range = await db.query<{ lo: number | null; hi: number | null }>(
      `SELECT extract(epoch FROM min(${ident(c.column)}))::float8 AS lo, extract(epoch FROM max(${ident(c.column)}))::float8 AS hi FROM ${qualified(c.hypertable)}`,
    );
    const { lo, hi } = range.rows[0];
    if (lo === null || hi === null) continue;
    const call = `CALL refresh_continuous_aggregate('${qualified(c.view).replace(/'/g, "''")}', $1::timestamptz, $2::timestamptz)`;
    // Windows start at UTC midnights, a day before the first row to a day after the last, so that
    // minute, hour and day buckets never straddle two windows (a refresh skips a bucket it only
    // partly covers); one last call over everything picks up any wider bucket left between them.
    const end = (Math.floor(hi / 86_400) + 2) * 86_400_000;
    for (let from = (Math.floor(lo / 86_400) - 1) * 86_400_000; from < end; ) {
      const to = Math.min(from + CAGG_REFRESH_WINDOW_DAYS * 86_400_000, end);
      await db.query(call, [new Date(from).toISOString(), new Date(to).toISOString()]);
      from = to;
    }
    await db.query(call, [null, null]);
    log(`refreshed continuous aggregate ${c.view}`);
  }
  return caggs.rows.length;
}

/** Fresh statistics for the planner after a bulk load (PGlite has no autovacuum to do it later). */
export async function analyzeTables(db: Database, tables: string[]): Promise<void> {
  for (const t of tables) await db.query(`ANALYZE ${qualified(t)}`);
}

/**
 * TimescaleDB's restore mode around a pg_restore (timescaledb_pre_restore / post_restore), which
 * stops its background jobs and catalog triggers from acting on half-restored hypertables.
 */
export async function setTimescaleRestoreMode(db: Database, restoring: boolean): Promise<void> {
  if (restoring) {
    await db.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    await db.query('SELECT timescaledb_pre_restore()');
  } else {
    await db.query('SELECT timescaledb_post_restore()');
  }
}
