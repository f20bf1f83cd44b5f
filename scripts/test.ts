import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * `npm test`: type check, lint, Vitest (unit + integration), then Playwright end-to-end. Integration
 * tests always run on embedded PGlite (plain and TimescaleDB) and also on PostgreSQL and Redis when
 * DATABASE_URL / REDIS_URL are set. With CI=true a missing service or browser fails the run.
 */
const isCi = process.env.CI === 'true';
const bin = (name: string) => path.join('node_modules', '.bin', name);
const out = mkdtempSync(path.join(tmpdir(), 'tw-test-'));
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
let passed = 0;
let failed = 0;
let skipped = 0;
let ok = true;

function run(label: string, cmd: string, args: string[], extraEnv: Record<string, string> = {}): boolean {
  console.log(`\n=== ${label} ===`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...env, ...extraEnv } });
  if (r.status !== 0) {
    console.error(`${label} failed (exit ${r.status ?? r.signal})`);
    ok = false;
    return false;
  }
  return true;
}

function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (c): c is string => !!c,
  );
  return candidates.find((c) => existsSync(c));
}

if (isCi) {
  const missing = ['DATABASE_URL', 'REDIS_URL'].filter((k) => !process.env[k]);
  if (missing.length) {
    console.error(`CI=true but ${missing.join(', ')} not set: every suite must run in CI (use .ci/run)`);
    process.exit(1);
  }
}
console.log(
  `backends: PGlite, PGlite+TimescaleDB${process.env.DATABASE_URL ? ', PostgreSQL' : ''}${process.env.REDIS_URL ? ', Redis' : ''}`,
);

run('type check', bin('tsc'), ['--noEmit', '-p', '.']);
// The house rules the tools enforce: format, lint (biome.json) and unused files, exports and dependencies (knip.json).
run('lint (Biome, knip)', 'npm', ['run', '-s', 'lint']);

const vitestJson = path.join(out, 'vitest.json');
run('unit and integration tests (Vitest)', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
]);
if (existsSync(vitestJson)) {
  const v = JSON.parse(readFileSync(vitestJson, 'utf8'));
  passed += v.numPassedTests ?? 0;
  failed += v.numFailedTests ?? 0;
  skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
}

// Tests never depend on the time of day or the UTC date: the suite runs once more with the clock at
// 04:30 in China, after the venues' 04:00 day reset, when the local date is a day ahead of the UTC
// date. libfaketime shifts the clock of this process tree by a fixed offset (monotonic clocks stay
// real, so timers work); PGlite runs in-process and gets the same clock. PostgreSQL and Redis keep
// the machine's clock, so this run uses the embedded backends, and leaves out the fault tests that
// start PostgreSQL and Redis servers of their own (vitest.config.ts: redis-server hangs under
// libfaketime; they test outages, not the time of day).
const faketime = ['/usr/bin/faketime', '/usr/local/bin/faketime'].find((c) => existsSync(c));
if (!faketime) {
  if (isCi) {
    console.error(
      "CI=true but faketime is not installed (Debian's faketime): the faked-clock run cannot be skipped in CI",
    );
    ok = false;
  } else console.warn('\n!!! faketime not found: the run at 04:30 in China is SKIPPED (apt-get install faketime).');
} else {
  const now = new Date();
  const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 20, 30));
  if (at > now) at.setUTCDate(at.getUTCDate() - 1);
  const offset = Math.round((at.getTime() - now.getTime()) / 1000);
  const fakedJson = path.join(out, 'vitest-faked.json');
  const embedded: NodeJS.ProcessEnv = { ...env };
  delete embedded.DATABASE_URL;
  delete embedded.REDIS_URL;
  console.log(`\n=== unit and integration tests at 04:30 in China (clock ${offset} s, ${at.toISOString()}) ===`);
  const r = spawnSync(
    faketime,
    [
      '-f',
      `${offset}s`,
      bin('vitest'),
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${fakedJson}`,
    ],
    { stdio: 'inherit', env: { ...embedded, FAKETIME_DONT_FAKE_MONOTONIC: '1', TIDEWATCH_FAKED_CLOCK: '1' } },
  );
  if (r.status !== 0) {
    console.error(`the faked-clock run failed (exit ${r.status ?? r.signal})`);
    ok = false;
  }
  if (existsSync(fakedJson)) {
    const v = JSON.parse(readFileSync(fakedJson, 'utf8'));
    passed += v.numPassedTests ?? 0;
    failed += v.numFailedTests ?? 0;
    skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
  }
}

const chromium = findChromium();
if (!chromium) {
  if (isCi) {
    console.error(
      "CI=true but no Chromium found (set CHROMIUM_PATH or install Debian's chromium): end-to-end tests cannot be skipped in CI",
    );
    ok = false;
  } else {
    console.warn(
      '\n!!! No Chromium found: end-to-end tests SKIPPED. Install it (apt-get install chromium) or set CHROMIUM_PATH.',
    );
  }
} else {
  const pwJson = path.join(out, 'playwright.json');
  run('end-to-end tests (Playwright + Chromium)', bin('playwright'), ['test'], {
    CHROMIUM_PATH: chromium,
    PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson,
  });
  if (existsSync(pwJson)) {
    const s = JSON.parse(readFileSync(pwJson, 'utf8')).stats ?? {};
    passed += (s.expected ?? 0) + (s.flaky ?? 0);
    failed += s.unexpected ?? 0;
    skipped += s.skipped ?? 0;
  }
}

console.log(`\ntotal: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && failed === 0 ? 0 : 1);
