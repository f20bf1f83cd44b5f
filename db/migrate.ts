import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, Queryable } from './client.ts';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
/** Arbitrary constant for pg_advisory_lock: instances booting together migrate one at a time. */
const MIGRATION_LOCK_ID = 7_311_203;

export interface MigrationResult {
  timescale: boolean;
  applied: string[];
}

interface MigrationFile {
  version: string;
  name: string;
  base?: string;
  timescale?: string;
  plain?: string;
}

/** Lists migrations: NNNN_name.sql always, then NNNN_name.timescale.sql or NNNN_name.plain.sql. */
export function listMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  const byVersion = new Map<string, MigrationFile>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const m = /^(\d{4})_([a-z0-9_]+?)(?:\.(timescale|plain))?\.sql$/.exec(file);
    if (!m)
      throw new Error(
        `db/migrations/${file}: name must look like 0001_name.sql, 0001_name.timescale.sql or 0001_name.plain.sql`,
      );
    const [, version, name, variant] = m;
    const entry = byVersion.get(version) ?? { version, name };
    if (entry.name !== name)
      throw new Error(`db/migrations: version ${version} is used by two names (${entry.name}, ${name})`);
    entry[(variant as 'timescale' | 'plain' | undefined) ?? 'base'] = path.join(dir, file);
    byVersion.set(version, entry);
  }
  return [...byVersion.values()].sort((a, b) => a.version.localeCompare(b.version));
}

/** True when TimescaleDB is installed in this database, installing it when the server offers it. */
export async function detectTimescale(db: Queryable): Promise<boolean> {
  const installed = await db.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'");
  if (installed.rows.length) return true;
  const available = await db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'");
  if (!available.rows.length) return false;
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    return true;
  } catch {
    // Offered but not loadable (e.g. missing shared_preload_libraries): run on plain PostgreSQL.
    return false;
  }
}

/**
 * Applies pending migrations in order, each recorded in schema_migrations. Idempotent; safe when
 * several instances boot at once (a session advisory lock serialises them). `until` stops after
 * that version: a restore rebuilds the schema its backup was taken on, loads the rows, then runs
 * the newer migrations over them as an upgrade would.
 */
export async function migrate(
  db: Database,
  log: (msg: string) => void = () => {},
  until?: string,
): Promise<MigrationResult> {
  return db.session(async (conn) => {
    await conn.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      await conn.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version text PRIMARY KEY, name text NOT NULL, variant text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set(
        (await conn.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
      );
      const timescale = await detectTimescale(conn);
      const applied: string[] = [];
      for (const m of listMigrations()) {
        if (until !== undefined && m.version > until) break;
        if (done.has(m.version)) continue;
        const variant = timescale ? 'timescale' : 'plain';
        const files = [m.base, m[variant]].filter((f): f is string => !!f);
        for (const file of files) {
          const sql = readFileSync(file, 'utf8');
          // A migration over a large table may run for minutes: the app's statement timeout does not apply.
          if (/^--\s*@no-transaction/m.test(sql)) {
            await conn.exec(`SET statement_timeout = 0;\n${sql}\n;RESET statement_timeout;`);
          } else {
            await conn.exec(`BEGIN;\nSET LOCAL statement_timeout = 0;\n${sql}\n;COMMIT;`).catch(async (err) => {
              await conn.exec('ROLLBACK').catch(() => {});
              throw new Error(`migration ${path.basename(file)} failed: ${(err as Error).message}`);
            });
          }
        }
        await conn.query('INSERT INTO schema_migrations (version, name, variant) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          variant,
        ]);
        applied.push(`${m.version}_${m.name} (${variant})`);
        log(`applied migration ${m.version}_${m.name} (${variant})`);
      }
      return { timescale, applied };
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  });
}
