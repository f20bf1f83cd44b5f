/**
 * V8 heap snapshots (the `.heapsnapshot` JSON that Chrome DevTools and CDP's
 * `HeapProfiler.takeHeapSnapshot` write) reduced to counts and bytes per constructor, and the
 * difference of two such summaries: what a long-running page keeps more of over time.
 *
 * The soak run uses this to name what grows, if anything, between an early and a late snapshot;
 * the raw snapshots stay on disk for DevTools' Comparison view.
 */

/** The parts of a `.heapsnapshot` file read here (see V8's heap-snapshot-generator). */
export interface THeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Count and self size (bytes) of the live objects of one kind. */
export interface THeapGroup {
  count: number;
  bytes: number;
}

/**
 * Node types that say nothing about the page's own data: V8 internals (hidden, code, synthetic
 * roots) and strings, which are grouped under their type instead of their text.
 */
const BY_TYPE = new Set([
  'hidden',
  'code',
  'synthetic',
  'string',
  'concatenated string',
  'sliced string',
  'number',
  'bigint',
  'symbol',
  'array',
]);

/**
 * Groups a snapshot's nodes by `type:name`, where name is the constructor for objects and the
 * function name for closures ("object:Map", "closure:onUpdate"); strings, numbers, arrays and V8
 * internals are grouped by type alone ("string", "array").
 */
export function summarizeHeapSnapshot(s: THeapSnapshot): Map<string, THeapGroup> {
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  if (iType < 0 || iName < 0 || iSize < 0 || width === 0)
    throw new Error('not a V8 heap snapshot: node_fields lacks type, name or self_size');
  const out = new Map<string, THeapGroup>();
  for (let i = 0; i + width <= s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]] ?? 'unknown';
    const key = BY_TYPE.has(type) ? type : `${type}:${s.strings[s.nodes[i + iName]] ?? '?'}`;
    const g = out.get(key);
    if (g) {
      g.count += 1;
      g.bytes += s.nodes[i + iSize];
    } else {
      out.set(key, { count: 1, bytes: s.nodes[i + iSize] });
    }
  }
  return out;
}

export interface THeapGrowth {
  key: string;
  before: THeapGroup;
  after: THeapGroup;
}

/**
 * The groups that grew from `before` to `after` by at least `minCount` objects or `minBytes`
 * bytes, largest byte growth first.
 */
export function heapGrowth(
  before: Map<string, THeapGroup>,
  after: Map<string, THeapGroup>,
  { minCount = 1, minBytes = 1 } = {},
): THeapGrowth[] {
  const none: THeapGroup = { count: 0, bytes: 0 };
  const rows: THeapGrowth[] = [];
  for (const [key, a] of after) {
    const b = before.get(key) ?? none;
    if (a.count - b.count >= minCount || a.bytes - b.bytes >= minBytes) rows.push({ key, before: b, after: a });
  }
  return rows.sort(
    (x, y) => y.after.bytes - y.before.bytes - (x.after.bytes - x.before.bytes) || x.key.localeCompare(y.key),
  );
}

/**
 * V8's compiled code and bytecode: it grows while the JIT warms up (more functions compiled and
 * optimised) and shrinks when V8 flushes bytecode of functions not run for a while. It says
 * nothing about the page keeping data, so growth is also reported without it.
 */
export const isCompiledCode = (key: string) => key === 'code';

/** Totals of a summary: objects and bytes of the groups `include` keeps (all by default). */
export function heapTotals(
  summary: Map<string, THeapGroup>,
  include: (key: string) => boolean = () => true,
): THeapGroup {
  let count = 0;
  let bytes = 0;
  for (const [key, g] of summary) {
    if (!include(key)) continue;
    count += g.count;
    bytes += g.bytes;
  }
  return { count, bytes };
}

/**
 * Least-squares slope of y over x and its standard error, for "how fast does it grow": a slope
 * whose error bar includes zero is no measurable growth.
 */
export function linearTrend(points: { x: number; y: number }[]): { slope: number; stderr: number; n: number } {
  const n = points.length;
  if (n < 3) return { slope: 0, stderr: Number.POSITIVE_INFINITY, n };
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  if (sxx === 0) return { slope: 0, stderr: Number.POSITIVE_INFINITY, n };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const residual = points.reduce((s, p) => s + (p.y - intercept - slope * p.x) ** 2, 0);
  return { slope, stderr: Math.sqrt(residual / (n - 2) / sxx), n };
}
