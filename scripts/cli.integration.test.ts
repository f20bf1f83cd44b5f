import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** Runs the real CLI as a user would (`npm run cli -- ...`), against an embedded data directory. */
function cli(args: string[], dataDir: string) {
  const r = spawnSync(path.join('node_modules', '.bin', 'tsx'), ['scripts/cli.ts', ...args], {
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', TIDEWATCH_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('ops CLI on the embedded database', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tw-cli-'));
  const holders: ReturnType<typeof spawn>[] = [];
  afterAll(() => {
    for (const h of holders) h.kill();
  });

  it('seeds, lists gates one per line and prints a new device token as the last line', () => {
    expect(cli(['seed', 'demo'], dataDir).code).toBe(0);
    const list = cli(['gate', 'list'], dataDir);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(20);
    for (const l of lines) expect(l).toMatch(/^[A-Z0-9-]+\t[A-Z0-9-]+\t(in|out|both)$/);
    const created = cli(['device', 'create', '--gate', lines[0].split('\t')[0]], dataDir);
    expect(created.code).toBe(0);
    expect(created.stdout.trim().split('\n').at(-1)).toMatch(/^twd_[A-Za-z0-9_-]{43}$/);
    const channel = cli(['channel', 'create', '--code', 'FLIGGY', '--kind', 'ota'], dataDir);
    expect(channel.stdout.trim().split('\n').at(-1)).toMatch(/^twc_/);
    expect(cli(['device', 'revoke', '--gate', lines[0].split('\t')[0]], dataDir).stdout).toMatch(
      /revoked [1-9]\d* device/,
    );
    // Five CLI processes, each booting the embedded database, one of them seeding the whole demo
    // (venue, lodge, show times): more than the integration tier's default on a busy machine.
  }, 300_000);

  it('explains bad input and unknown gates instead of failing obscurely', () => {
    const bad = cli(['user', 'create', '--email', 'nope', '--role', 'boss', '--password', 'x'], dataDir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/email .*role .*password/s);
    const unknown = cli(['device', 'create', '--gate', 'XX-404'], dataDir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('gate XX-404 does not exist');
  });

  it('says clearly that a running server holds the embedded data directory', () => {
    // A live process that holds the lock, as the server would.
    const holder = spawn('sleep', ['60']);
    holders.push(holder);
    writeFileSync(
      path.join(dataDir, 'tidewatch.lock'),
      JSON.stringify({ pid: holder.pid, owner: 'the Tidewatch server on port 3000' }),
    );
    const r = cli(['gate', 'list'], dataDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('in use by the Tidewatch server on port 3000');
    expect(r.stderr).toContain('DATABASE_URL');
    holder.kill();
  });

  it('takes over a lock left by a process that died', () => {
    writeFileSync(
      path.join(dataDir, 'tidewatch.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, owner: 'a crashed server' }),
    );
    expect(cli(['gate', 'list'], dataDir).code).toBe(0);
  });
});
