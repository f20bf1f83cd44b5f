import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** How long the server may take to migrate and listen (ms). */
const START_TIMEOUT_MS = 60_000;
/** How long a SIGTERM'd server may take to drain before it is killed (ms). */
const STOP_TIMEOUT_MS = 20_000;
/** Server log lines echoed to the console; the rest are only counted, so an error storm cannot flood it. */
const MAX_ECHOED_LINES = 20;
/** Kernel clock ticks per second for /proc/<pid>/stat (USER_HZ is 100 on every Linux we run). */
const CLOCK_TICKS = 100;

export interface ServerChild {
  url: string;
  pid: number;
  /** Server log lines seen (warn and above with LOG_LEVEL=warn). */
  logLines(): number;
  /** Sends SIGTERM, waits for the drain and exit (SIGKILL after STOP_TIMEOUT_MS). */
  stop(): Promise<void>;
}

/**
 * Starts one Tidewatch instance (API and sockets, no Next pages) as a separate process, so the
 * load generator and the server do not share an event loop. `node --import tsx` rather than the
 * tsx wrapper: one process, whose pid is the server's (CPU accounting, profiling, signals).
 */
export async function startServerChild(opts: {
  env: Record<string, string>;
  nodeArgs?: string[];
  log: (m: string) => void;
}): Promise<ServerChild> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', ...(opts.nodeArgs ?? []), 'tests/fixtures/serve-api.ts'],
    {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let lines = 0;
  const echo = (prefix: string) => (line: string) => {
    if (line.startsWith('LISTENING ')) return;
    lines++;
    if (lines <= MAX_ECHOED_LINES) opts.log(`[server${prefix}] ${line.slice(0, 400)}`);
    else if (lines === MAX_ECHOED_LINES + 1) opts.log('[server] further log lines are counted, not shown');
  };
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
  );
  createInterface({ input: child.stderr! }).on('line', echo(':stderr'));
  const out = createInterface({ input: child.stdout! });
  out.on('line', echo(''));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not print LISTENING within ${START_TIMEOUT_MS / 1000}s`)),
      START_TIMEOUT_MS,
    );
    out.on('line', (line) => {
      if (!line.startsWith('LISTENING ')) return;
      clearTimeout(timer);
      resolve(line.slice('LISTENING '.length).trim());
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with code ${code} before listening`));
    });
  }).catch((err) => {
    child.kill('SIGKILL');
    throw err;
  });

  let stopping: Promise<void> | undefined;
  return {
    url,
    pid: child.pid!,
    logLines: () => lines,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      })()),
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 when it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** CPU seconds of each of these pids (missing ones are left out). */
export function cpuSecondsByPid(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const s = processCpuSeconds(pid);
    if (s > 0) out.set(pid, s);
  }
  return out;
}

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineCpuSeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  // cpu user nice system idle iowait irq softirq steal ...
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0)) / CLOCK_TICKS;
}

interface ProcStat {
  comm: string;
  ppid: number;
  /** utime + stime (s). */
  cpu: number;
  /** cutime + cstime (s): CPU of children that ended and were reaped. */
  children: number;
}

function procStat(pid: string | number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      ppid: Number(f[1]),
      cpu: (Number(f[11]) + Number(f[12])) / CLOCK_TICKS,
      children: (Number(f[13]) + Number(f[14])) / CLOCK_TICKS,
    };
  } catch {
    return undefined;
  }
}

export interface PostgresCpuSnapshot {
  byPid: Map<number, number>;
  /** Reaped children's CPU of each postmaster (ended backends and parallel workers land here). */
  reaped: Map<number, number>;
}

/** CPU of every process named postgres on this machine, including ones that end later. */
export function postgresCpuSnapshot(): PostgresCpuSnapshot {
  const byPid = new Map<number, number>();
  const reaped = new Map<number, number>();
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const st = procStat(entry);
    if (st?.comm === 'postgres') stats.set(Number(entry), st);
  }
  for (const [pid, st] of stats) {
    byPid.set(pid, st.cpu);
    // The postmaster is the postgres process whose parent is not one.
    if (!stats.has(st.ppid)) reaped.set(pid, st.children);
  }
  return { byPid, reaped };
}

/**
 * CPU seconds all PostgreSQL processes used between two snapshots, counting backends and parallel
 * workers that started or ended in between (an ended one's total moves to its postmaster's reaped
 * children; its CPU before the first snapshot is subtracted). Covers every database on the server.
 */
export function postgresCpuBetween(a: PostgresCpuSnapshot, b: PostgresCpuSnapshot): number {
  let total = 0;
  for (const [pid, cpu] of b.byPid) total += cpu - (a.byPid.get(pid) ?? 0);
  for (const [pid, cpu] of b.reaped) total += cpu - (a.reaped.get(pid) ?? cpu);
  for (const [pid, cpu] of a.byPid) if (!b.byPid.has(pid) && !a.reaped.has(pid)) total -= cpu;
  return total;
}
