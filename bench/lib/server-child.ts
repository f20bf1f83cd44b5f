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
export async function startServerChild(opts: { env: Record<string, string>; nodeArgs?: string[]; log: (m: string) => void }): Promise<ServerChild> {
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', 'tests/fixtures/serve-api.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let lines = 0;
  const echo = (prefix: string) => (line: string) => {
    if (line.startsWith('LISTENING ')) return;
    lines++;
    if (lines <= MAX_ECHOED_LINES) opts.log(`[server${prefix}] ${line.slice(0, 400)}`);
    else if (lines === MAX_ECHOED_LINES + 1) opts.log('[server] further log lines are counted, not shown');
  };
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  createInterface({ input: child.stderr! }).on('line', echo(':stderr'));
  const out = createInterface({ input: child.stdout! });
  out.on('line', echo(''));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not print LISTENING within ${START_TIMEOUT_MS / 1000}s`)), START_TIMEOUT_MS);
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

/**
 * CPU seconds used by all processes named `postgres` on this machine (the server, its backends
 * and background workers). Includes other clients' work: run the benchmark on a quiet machine.
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== 'postgres') continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
    } catch {
      // The process ended between readdir and read.
    }
  }
  return total;
}
