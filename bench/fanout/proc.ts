import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second for /proc stat files (USER_HZ is 100 on every Linux we run). */
const CLOCK_TICKS = 100;
/** The V8 profiler's event-processor thread: the profiler's own cost, not the program's. */
const PROFILER_THREAD = 'v8:ProfEvntProc';

function taskStat(pid: number, tid: number): { name: string; seconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { name, seconds: (Number(f[11]) + Number(f[12])) / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

export interface ProcessCpu {
  /** CPU seconds of every thread except the V8 profiler's (JS, GC helpers, libuv pool, ...). */
  process: number;
  /** CPU seconds of the main (JavaScript) thread, which is what a CPU profile samples. */
  main: number;
}

/**
 * CPU seconds a process used so far, from /proc, without the V8 profiler's own thread; zeros
 * when the process is gone. Threads that ended take their time with them (V8 and libuv threads
 * live as long as the process).
 */
export function processCpu(pid: number): ProcessCpu {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { process: 0, main: 0 };
  }
  let total = 0;
  let main = 0;
  for (const t of tids) {
    const s = taskStat(pid, Number(t));
    if (!s || s.name === PROFILER_THREAD) continue;
    total += s.seconds;
    if (Number(t) === pid) main = s.seconds;
  }
  return { process: total, main };
}
