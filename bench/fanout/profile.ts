import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of a V8 .cpuprofile this reads. Times are µs on the monotonic clock (process.hrtime). */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

type Frame = { fn: string; url: string };
export type Rules = [string, (f: Frame) => boolean][];

/**
 * What the Tidewatch server was doing, judged from a sample's whole stack (leaf to root), first
 * rule wins. Async continuations have only their own frames, so replies parsed by the PostgreSQL
 * driver are not attributed to the query's caller and get their own bucket.
 */
export const SERVER_RULES: Rules = [
  [
    "hub sweep (revoked/stale devices, re-reading each screen's user)",
    (f) => f.url.includes('/server/realtime/hub.ts') && f.fn === 'sweep',
  ],
  [
    'fan-out: Socket.IO broadcast (encode once, write to every screen)',
    (f) => /socket\.io-adapter|redis-streams-adapter|broadcast-operator/.test(f.url),
  ],
  [
    'hub flush: building the update (queries, mapping)',
    (f) =>
      (f.url.includes('/server/realtime/hub.ts') &&
        /^(flush|flushCounters|flushAlarms|countersOf|venueDay|alarmsOf|toGateStatus|toAlarm)$/.test(f.fn)) ||
      /^(readLiveCounters|listGateStatus|listOpenAlarms)$/.test(f.fn),
  ],
  [
    'scan ingest (validate, decide, batch SQL)',
    (f) => /\/server\/ingest\/|\/db\/queries\/scans\.ts|\/lib\/schemas\/scan\.ts/.test(f.url),
  ],
  ['alarm engine', (f) => /alarm-engine|\/db\/queries\/alarms\.ts/.test(f.url)],
  [
    'sockets: scan messages and acks, pings, write completions',
    (f) => /\/(engine\.io|ws|socket\.io|socket\.io-parser)\//.test(f.url),
  ],
  [
    'PostgreSQL driver (replies to every caller)',
    (f) => /\/(pg|pg-protocol|pg-pool)\//.test(f.url) || f.url.includes('/db/client.ts'),
  ],
  [
    'PGlite (embedded PostgreSQL in WebAssembly)',
    (f) => f.url.includes('@electric-sql/pglite') || f.url.startsWith('wasm://'),
  ],
  ['Redis client', (f) => /\/ioredis\//.test(f.url)],
  ['garbage collection', (f) => f.fn === '(garbage collector)'],
  ['native / VM, unattributed', (f) => f.fn === '(program)'],
];
export const FANOUT_CATEGORY = SERVER_RULES[1][0];

export interface ProfileBreakdown {
  /** Busy main-thread time in the window (µs), idle excluded. */
  busyUs: number;
  /** Busy time by category (µs), largest first. */
  rows: { category: string; us: number; share: number }[];
  /** The leaf functions of the 'other JavaScript' bucket, largest first (a hint for new rules). */
  otherLeaves: { name: string; us: number }[];
}

/**
 * The newest main-thread profile in a directory, or undefined. Node names them
 * CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; worker threads (the logger's transport) get
 * their own file with a thread id above 0.
 */
export function findProfile(dir: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.cpuprofile') && n.split('.')[4] === '0');
  } catch {
    return undefined;
  }
  return names
    .sort()
    .map((n) => path.join(dir, n))
    .at(-1);
}

/** Loads a profile and breaks its samples inside each [fromUs, toUs) window down by category. */
export function breakDown(
  file: string,
  windows: { fromUs: number; toUs: number }[],
  rules: Rules = SERVER_RULES,
): ProfileBreakdown[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Category per node, computed once: the stack of a node is fixed.
  const category = new Map<number, string | null>();
  const classify = (id: number): string | null => {
    const known = category.get(id);
    if (known !== undefined) return known;
    const frames: Frame[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)!.callFrame;
      frames.push({ fn: cf.functionName, url: cf.url });
    }
    let out: string | null = null;
    if (frames[0].fn === '(idle)') out = 'idle';
    else {
      for (const [name, test] of rules) {
        if (frames.some(test)) {
          out = name;
          break;
        }
      }
    }
    category.set(id, out);
    return out;
  };

  const acc = windows.map(() => ({ busy: 0, cats: new Map<string, number>(), other: new Map<string, number>() }));
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i];
    // A sample stands for the interval since the previous one.
    const dt = p.timeDeltas[i];
    const w = windows.findIndex((x) => t >= x.fromUs && t < x.toUs);
    if (w < 0) continue;
    const id = p.samples[i];
    const cat = classify(id);
    if (cat === 'idle') continue;
    const a = acc[w];
    a.busy += dt;
    const name = cat ?? 'other JavaScript';
    a.cats.set(name, (a.cats.get(name) ?? 0) + dt);
    if (!cat) {
      const cf = byId.get(id)!.callFrame;
      const leaf = `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^.*\/(node_modules\/)?/, '')}`;
      a.other.set(leaf, (a.other.get(leaf) ?? 0) + dt);
    }
  }
  return acc.map((a) => ({
    busyUs: a.busy,
    rows: [...a.cats.entries()]
      .sort((x, y) => y[1] - x[1])
      .map(([c, us]) => ({ category: c, us, share: us / Math.max(1, a.busy) })),
    otherLeaves: [...a.other.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 5)
      .map(([name, us]) => ({ name, us })),
  }));
}
