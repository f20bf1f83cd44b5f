import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * The configuration, read from the environment once at boot. Every bad or missing value is
 * reported by name with what was expected, all at once, before anything starts.
 */
const ZEnv = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    TIDEWATCH_DATA_DIR: z.string().min(1).default('.data'),
    NEXTAUTH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    TIDEWATCH_INSTANCE_ID: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Gate devices must heartbeat at least this often (seconds) to count as online. */
    TIDEWATCH_HEARTBEAT_TIMEOUT_S: z.coerce.number().int().min(3).max(600).default(15),
    /** Largest socket message accepted from devices and channels (bytes). */
    TIDEWATCH_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).max(16_777_216).default(262_144),
    /** Master key for ID-card numbers (32 bytes as hex or base64); generated into the data directory when embedded. */
    TIDEWATCH_ID_KEY: z.string().min(32).optional(),
    /** Orders a sales channel may place per minute before it gets 429 (the controls can lower it per channel). */
    TIDEWATCH_CHANNEL_ORDERS_PER_MIN: z.coerce.number().int().min(1).max(1_000_000).default(600),
    /** A capacity or gate condition must hold this long before an alarm opens, changes or clears (s). */
    TIDEWATCH_ALARM_HOLD_S: z.coerce.number().int().min(0).max(3600).default(10),
    /** Unacknowledged alarms escalate to critical after this long (s). */
    TIDEWATCH_ALARM_ESCALATE_S: z.coerce.number().int().min(10).max(86_400).default(300),
    /** An attraction's utilisation (rides in the last hour / hourly capacity) at which a queue alarm is a warning. */
    TIDEWATCH_QUEUE_WARN: z.coerce.number().min(0.1).max(10).default(0.9),
    /** Utilisation at which the queue alarm is critical. */
    TIDEWATCH_QUEUE_CRITICAL: z.coerce.number().min(0.1).max(10).default(1),
    /** Utilisation must stay above a queue line this long before the alarm opens or rises (s). */
    TIDEWATCH_QUEUE_HOLD_S: z.coerce.number().int().min(0).max(86_400).default(600),
    /** An open attraction whose online gates scanned nothing for this long raises a silent-gates alarm (min). */
    TIDEWATCH_ATTRACTION_SILENT_MIN: z.coerce.number().int().min(1).max(720).default(10),
    /**
     * Every scan, scan upload and device handshake is answered within this long (ms): a decision,
     * or `unavailable` with retryAfterMs, whatever the database is doing (docs/device-protocol.md).
     */
    TIDEWATCH_ANSWER_DEADLINE_MS: z.coerce.number().int().min(100).max(60_000).default(1_500),
    /** Bearer token a Prometheus scraper presents at GET /metrics (admins may read it with their session). */
    TIDEWATCH_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  })
  .superRefine((env, ctx) => {
    if (env.DATABASE_URL && !env.TIDEWATCH_ID_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['TIDEWATCH_ID_KEY'],
        message:
          'is required when DATABASE_URL is set: every instance must encrypt ID-card numbers with the same key (32 bytes, hex or base64)',
      });
    }
    if (env.TIDEWATCH_QUEUE_WARN >= env.TIDEWATCH_QUEUE_CRITICAL) {
      ctx.addIssue({
        code: 'custom',
        path: ['TIDEWATCH_QUEUE_WARN'],
        message: `must be below TIDEWATCH_QUEUE_CRITICAL (${env.TIDEWATCH_QUEUE_CRITICAL})`,
      });
    }
    if (env.DATABASE_URL && !env.NEXTAUTH_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['NEXTAUTH_SECRET'],
        message: 'is required when DATABASE_URL is set: every instance must sign sessions with the same secret',
      });
    }
  });

export type TConfig = z.infer<typeof ZEnv> & {
  mode: 'embedded' | 'production';
  dataDir: string;
  authSecret: string;
  /** ID-card master key text (validated by parseMasterKey when the server starts). */
  idKey: string;
  instanceId: string;
};

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      `Tidewatch cannot start: the configuration has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment; throws ConfigError naming each bad value. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  purpose: 'server' | 'tool' = 'server',
): TConfig {
  // Empty strings mean "not set": shells and .env files often leave VAR= behind.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  // Tools (CLI, simulator) sign no sessions, so they need no shared secret.
  if (purpose === 'tool' && cleaned.DATABASE_URL) {
    cleaned.NEXTAUTH_SECRET ??= 'x'.repeat(32);
    cleaned.TIDEWATCH_ID_KEY ??= 'unused-by-tools-'.repeat(3);
  }
  const parsed = ZEnv.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = i.path.join('.') || '(environment)';
        const got =
          typeof i.path[0] === 'string' && cleaned[i.path[0]] !== undefined
            ? ` (got "${redact(String(i.path[0]), String(cleaned[i.path[0]]))}")`
            : '';
        return `${key}: ${i.message}${got}`;
      }),
    );
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.TIDEWATCH_DATA_DIR);
  return {
    ...e,
    mode: e.DATABASE_URL ? 'production' : 'embedded',
    dataDir,
    authSecret: e.NEXTAUTH_SECRET ?? embeddedSecret(dataDir, 'auth-secret'),
    idKey: e.TIDEWATCH_ID_KEY ?? embeddedSecret(dataDir, 'id-key'),
    instanceId: e.TIDEWATCH_INSTANCE_ID ?? `${hostname()}:${e.PORT}`,
  };
}

function redact(key: string, value: string): string {
  if (/SECRET|PASSWORD|KEY|TOKEN/.test(key)) return '***';
  return value.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}

/** The embedded default keeps its own secrets beside its data, so sessions and encrypted data survive restarts. */
function embeddedSecret(dataDir: string, name: string): string {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
