import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A PostgreSQL cluster and a Redis server of a test's own, on free ports, so a fault test may
 * freeze (SIGSTOP), stop and restart them without touching the machine's shared services or the
 * other test files running beside it. Built from the machine's own binaries (Debian's
 * postgresql-15 and redis-server); nothing is mocked.
 */

/** Where Debian puts the PostgreSQL server binaries (initdb, pg_ctl are not on PATH). */
function pgBinDir(): string {
  const root = '/usr/lib/postgresql';
  const override = process.env.PG_BIN_DIR;
  if (override) return override;
  if (!existsSync(root)) throw new Error('no PostgreSQL server binaries: install postgresql (or set PG_BIN_DIR)');
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error(`no initdb under ${root}`);
  return path.join(root, versions[0], 'bin');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** True when the machine's binaries for throwaway services are there (fault tests need both). */
export function haveThrowawayBinaries(): boolean {
  try {
    pgBinDir();
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL binary; initdb and postgres refuse to run as root, so root runs them as `postgres`. */
function pgRun(bin: string, args: string[]): void {
  const exe = path.join(pgBinDir(), bin);
  if (isRoot()) execFileSync('runuser', ['-u', 'postgres', '--', exe, ...args], { stdio: 'pipe' });
  else execFileSync(exe, args, { stdio: 'pipe' });
}

export interface ThrowawayPostgres {
  url: string;
  port: number;
  /** SIGSTOP the postmaster and every backend: the server holds its connections and answers nothing. */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

function clusterPids(dataDir: string): number[] {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return [];
  const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!postmaster) return [];
  let children: number[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    // No children yet.
  }
  return [postmaster, ...children];
}

/** initdb into a temporary directory, then start it on a free port with trust auth on 127.0.0.1. */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tw-pg-'));
  if (isRoot()) execFileSync('chown', ['postgres', dir]);
  const dataDir = path.join(dir, 'data');
  pgRun('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  pgRun('pg_ctl', [
    '-D',
    dataDir,
    '-w',
    '-l',
    path.join(dir, 'log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`,
    'start',
  ]);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let frozen = false;
  const thaw = () => {
    for (const pid of clusterPids(dataDir)) process.kill(pid, 'SIGCONT');
    frozen = false;
  };
  return {
    url,
    port,
    freeze() {
      for (const pid of clusterPids(dataDir)) process.kill(pid, 'SIGSTOP');
      frozen = true;
    },
    thaw,
    async stop() {
      if (frozen) thaw();
      try {
        pgRun('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ThrowawayRedis {
  url: string;
  port: number;
  /** Shuts the server down (clients see connection refused). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  close(): Promise<void>;
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'pipe' });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis on port ${port} did not come up`);
      await sleep(50);
    }
  }
}

/** A redis-server of the test's own, in the foreground of a child process, keeping nothing on disk. */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'tw-redis-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    await waitForPort(port);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
