import { Command, CommanderError, Option } from 'commander';
import { createDatabase, type Database } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { listGates } from '../db/queries/gates.ts';
import { findVenueByCode } from '../db/queries/venues.ts';
import { AppError } from '../lib/errors.ts';
import { ConfigError, loadConfig } from '../server/config.ts';
import { CLI_ACTOR } from '../server/services/actor.ts';
import { createChannel, createDevice, createUser, revokeDevices } from '../server/services/admin.ts';
import { seedDemo } from '../server/services/seed.ts';
import { backupCommand, restoreCommand } from './backup-commands.ts';

/** Ops CLI: works against whichever database is configured (DATABASE_URL, or the embedded one). */
const info = (msg: string): void => {
  process.stderr.write(`${msg}\n`);
};

async function withDb<T>(fn: (db: Database, dataDir: string) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env, 'tool');
  const db = await createDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.dataDir,
    owner: 'the Tidewatch CLI',
  });
  try {
    await migrate(db, info);
    return await fn(db, config.dataDir);
  } finally {
    await db.close();
  }
}

export function buildCli(): Command {
  const program = new Command('tidewatch').description('Tidewatch operations CLI').exitOverride();
  program
    .command('db')
    .description('database')
    .command('migrate')
    .description('apply pending migrations')
    .action(() => withDb(async () => info('migrations are up to date')));
  program
    .command('seed')
    .description('seed data')
    .command('demo')
    .description('seed the demo venue, users, channels and devices (idempotent)')
    .action(() =>
      withDb(async (db, dataDir) => {
        await seedDemo(db, dataDir, CLI_ACTOR, info);
      }),
    );
  const user = program.command('user').description('users');
  user
    .command('create')
    .description('create a user (or reset an existing one)')
    .requiredOption('--email <email>')
    .requiredOption('--role <role>', 'admin | manager | operator | frontdesk | finance | housekeeping')
    .requiredOption('--password <password>')
    .option('--venue <code...>', 'venue code(s); omit for all venues')
    .option('--name <name>', 'display name', '')
    .action((o) =>
      withDb(async (db) => {
        const r = await createUser(db, CLI_ACTOR, {
          email: o.email,
          role: o.role,
          password: o.password,
          name: o.name,
          venues: o.venue ?? [],
        });
        process.stdout.write(`user ${o.email} (${o.role}) id ${r.id}\n`);
      }),
    );
  program
    .command('gate')
    .description('gates')
    .command('list')
    .description('one gate per line: code, zone code, direction')
    .option('--venue <code>')
    .action((o) =>
      withDb(async (db) => {
        const venue = o.venue ? await findVenueByCode(db, String(o.venue).toUpperCase()) : undefined;
        if (o.venue && !venue) throw new AppError('not_found', `venue ${o.venue} does not exist`);
        for (const g of await listGates(db, venue?.id))
          process.stdout.write(`${g.code}\t${g.zone_code}\t${g.direction}\n`);
      }),
    );
  const device = program.command('device').description('gate devices');
  device
    .command('create')
    .description('register a device for a gate; prints its token (shown once) as the last line')
    .requiredOption('--gate <code>')
    .option('--venue <code>')
    .action((o) =>
      withDb(async (db) => {
        const r = await createDevice(db, CLI_ACTOR, { gate: o.gate, venue: o.venue });
        info(
          `device ${r.id} for gate ${r.gate.code} (${r.gate.venue_code}); the token below is shown once and stored only as a hash`,
        );
        process.stdout.write(`${r.token}\n`);
      }),
    );
  device
    .command('revoke')
    .description('revoke every device of a gate (connected ones are cut off within seconds)')
    .requiredOption('--gate <code>')
    .option('--venue <code>')
    .action((o) =>
      withDb(async (db) => {
        const r = await revokeDevices(db, CLI_ACTOR, { gate: o.gate, venue: o.venue });
        process.stdout.write(`revoked ${r.revoked.length} device(s) of gate ${r.gate.code}\n`);
      }),
    );
  program
    .command('channel')
    .description('sales channels')
    .command('create')
    .description('create a sales channel (or issue it a new token); prints its token as the last line')
    .requiredOption('--code <code>')
    .requiredOption('--kind <kind>', 'online | ota | window | kiosk')
    .option('--name <name>')
    .option('--venue <code>')
    .action((o) =>
      withDb(async (db) => {
        const r = await createChannel(db, CLI_ACTOR, { code: o.code, kind: o.kind, name: o.name, venue: o.venue });
        info(
          `channel ${String(o.code).toUpperCase()} ${r.created ? 'created' : 'given a new token (the old one no longer works)'}; the token below is shown once`,
        );
        process.stdout.write(`${r.token}\n`);
      }),
    );
  program
    .command('backup')
    .description('back up the database (embedded or PostgreSQL, also while the server runs) into one file')
    .requiredOption('--out <file>', 'file to write (replaced only once complete); - for stdout')
    .addOption(
      new Option(
        '--format <format>',
        'tidewatch: portable between PGlite and PostgreSQL; pg_dump: PostgreSQL custom format',
      )
        .choices(['tidewatch', 'pg_dump'])
        .default('tidewatch'),
    )
    .option('--pg-bin <dir>', 'directory of pg_dump and pg_restore (default: PATH)')
    .action(async (o) => {
      await backupCommand(process.env, { out: o.out, format: o.format, pgBin: o.pgBin });
    });
  program
    .command('restore')
    .description('restore a backup (either format) into the configured database; the servers on it must be stopped')
    .requiredOption('--from <file>', 'backup file')
    .option('--force', 'replace a database that is not empty, and restore even when the ID-card key differs', false)
    .option('--pg-bin <dir>', 'directory of pg_restore (default: PATH)')
    .action(async (o) => {
      await restoreCommand(process.env, { from: o.from, force: !!o.force, pgBin: o.pgBin });
    });
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof AppError || err instanceof ConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err instanceof AppError && err.code === 'invalid' ? 2 : 1;
    }
    process.stderr.write(`error: ${(err as Error).stack ?? err}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
