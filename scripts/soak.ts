import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type CDPSession } from '@playwright/test';
import {
  heapGrowth,
  heapTotals,
  isCompiledCode,
  linearTrend,
  summarizeHeapSnapshot,
  type THeapGroup,
  type THeapSnapshot,
} from './heap-summary.ts';

/**
 * Kiosk soak run: opens the wall display in kiosk mode against a running Tidewatch (start one with
 * `npm run demo`, which also runs the simulator), drops the network now and then, samples the
 * page's JS heap, DOM size and the map's GPU memory, and takes heap snapshots to name whatever keeps growing. A kiosk
 * runs for days, so its memory must stay flat.
 *
 *   npm run soak -- [--minutes 10] [--url http://127.0.0.1:3000] [--offline-every 120]
 *                   [--snapshots 10,60] [--out .data/soak]
 *
 * --snapshots: minutes at which to take a heap snapshot (one more is taken at the end); growth is
 * reported from the first one, so it should come after the warm-up. The raw snapshots are written
 * to --out for DevTools' Memory panel (Comparison view).
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const BASE = arg('url', process.env.TIDEWATCH_URL ?? 'http://127.0.0.1:3000');
const MINUTES = Number(arg('minutes', '10'));
/** Seconds between simulated network drops (each lasts 20 s); 0 disables them. */
const OFFLINE_EVERY_S = Number(arg('offline-every', '120'));
/** Minutes at which to snapshot the heap; by default after a warm-up of a sixth of the run (at most 10 min). */
const SNAPSHOT_MIN = arg('snapshots', String(Math.min(10, Math.round((MINUTES / 6) * 10) / 10)))
  .split(',')
  .map(Number)
  .filter((m) => m > 0 && m < MINUTES);
const OUT_DIR = arg('out', path.join('.data', 'soak'));
/** Seconds between samples. */
const SAMPLE_S = 15;
/** A constructor is reported as growing from this many more objects or bytes between snapshots. */
const GROWTH_MIN_COUNT = 50;
const GROWTH_MIN_BYTES = 32 * 1024;
/** Rows of the growth table. */
const GROWTH_ROWS = 15;

async function takeSnapshot(cdp: CDPSession): Promise<THeapSnapshot & { text: string }> {
  const chunks: string[] = [];
  const onChunk = ({ chunk }: { chunk: string }) => chunks.push(chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  const text = chunks.join('');
  return { ...(JSON.parse(text) as THeapSnapshot), text };
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(2);
const signed = (n: number, f: (x: number) => string = String) => `${n >= 0 ? '+' : '-'}${f(Math.abs(n))}`;

function printGrowth(label: string, before: Map<string, THeapGroup>, after: Map<string, THeapGroup>) {
  const a = heapTotals(before);
  const b = heapTotals(after);
  const ad = heapTotals(before, (k) => !isCompiledCode(k));
  const bd = heapTotals(after, (k) => !isCompiledCode(k));
  console.log(
    `heap snapshots ${label}: ${a.count.toLocaleString('en')} -> ${b.count.toLocaleString('en')} objects, ${mb(a.bytes)} -> ${mb(b.bytes)} MB; without compiled code ${mb(ad.bytes)} -> ${mb(bd.bytes)} MB (${signed(bd.bytes - ad.bytes, (x) => `${(x / 1024).toFixed(0)} KB`)})`,
  );
  const rows = heapGrowth(before, after, { minCount: GROWTH_MIN_COUNT, minBytes: GROWTH_MIN_BYTES });
  if (!rows.length)
    console.log(`  no constructor grew by ${GROWTH_MIN_COUNT} objects or ${GROWTH_MIN_BYTES / 1024} KB`);
  for (const r of rows.slice(0, GROWTH_ROWS)) {
    console.log(
      `  ${r.key.slice(0, 60).padEnd(60)} ${String(r.before.count).padStart(8)} -> ${String(r.after.count).padEnd(8)} ${signed(r.after.bytes - r.before.bytes, (x) => `${(x / 1024).toFixed(0)} KB`)}`,
    );
  }
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, baseURL: BASE });
  const { csrfToken } = await (await context.request.get('/api/auth/csrf')).json();
  const signin = await context.request.post('/api/auth/callback/credentials', {
    form: { csrfToken, email: 'operator@demo.tidewatch', password: 'tidewatch-demo', json: 'true' },
  });
  if (!signin.ok()) throw new Error(`sign-in failed: ${signin.status()}`);
  const sessionExpiry = async () => {
    const c = (await context.cookies()).find((x) => x.name.endsWith('next-auth.session-token'));
    return c && c.expires > 0 ? new Date(c.expires * 1000).toISOString() : 'none';
  };
  const expiryAtStart = await sessionExpiry();
  const page = await context.newPage();
  await page.goto('/command-center?kiosk=1');
  await page.waitForSelector('main[data-loading-state="loaded"]', { timeout: 60_000 });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  mkdirSync(OUT_DIR, { recursive: true });
  const samples: {
    t: number;
    heapMb: number;
    nodes: number;
    listeners: number;
    gpuMb: number | null;
    stale: boolean;
  }[] = [];
  const snapshots: { min: number; summary: Map<string, THeapGroup> }[] = [];
  const pendingSnapshots = [...SNAPSHOT_MIN].sort((x, y) => x - y);
  const snapshot = async (min: number) => {
    const s = await takeSnapshot(cdp);
    const file = path.join(OUT_DIR, `kiosk-${String(Math.round(min)).padStart(4, '0')}min.heapsnapshot`);
    writeFileSync(file, s.text);
    snapshots.push({ min, summary: summarizeHeapSnapshot(s) });
    console.log(`  heap snapshot at ${min.toFixed(1)} min -> ${file}`);
  };
  const start = Date.now();
  const minutes = () => (Date.now() - start) / 60_000;
  let nextOffline = OFFLINE_EVERY_S > 0 ? start + OFFLINE_EVERY_S * 1000 : Infinity;
  let drops = 0;
  let dropsShown = 0;
  console.log(
    `soak: ${MINUTES} min against ${BASE}, sampling every ${SAMPLE_S}s${OFFLINE_EVERY_S ? `, network drop every ${OFFLINE_EVERY_S}s` : ''}, heap snapshots at ${[...SNAPSHOT_MIN, MINUTES].join(', ')} min`,
  );
  while (minutes() < MINUTES) {
    if (Date.now() >= nextOffline) {
      await context.setOffline(true);
      await page.waitForTimeout(20_000);
      const stale = await page.locator('[data-testid="stale"]').count();
      await context.setOffline(false);
      drops += 1;
      if (stale) dropsShown += 1;
      console.log(`  network dropped for 20 s: stale indicator ${stale ? 'shown' : 'NOT shown'}`);
      nextOffline = Date.now() + OFFLINE_EVERY_S * 1000;
    }
    if (pendingSnapshots.length && minutes() >= pendingSnapshots[0]) await snapshot(pendingSnapshots.shift()!);
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    const sample = {
      t: Math.round((Date.now() - start) / 1000),
      heapMb: m.JSHeapUsedSize / 1048576,
      nodes: m.Nodes,
      listeners: m.JSEventListeners,
      // What deck.gl holds in buffers and textures (GPU memory, or main memory under SwiftShader).
      gpuMb: await page
        .locator('[data-testid="venue-map"]')
        .getAttribute('data-gpu-memory')
        .then((v) => (v ? Number(v) / 1048576 : null)),
      stale: (await page.locator('[data-testid="stale"]').count()) > 0,
    };
    samples.push(sample);
    console.log(
      `  t=${String(sample.t).padStart(5)}s heap=${sample.heapMb.toFixed(1)} MB nodes=${sample.nodes} listeners=${sample.listeners} gpu=${sample.gpuMb?.toFixed(1) ?? '?'} MB${sample.stale ? ' (stale)' : ''}`,
    );
    await page.waitForTimeout(SAMPLE_S * 1000);
  }
  await snapshot(minutes());

  // Compare the first and last thirds (after warm-up) so one GC pause does not decide the verdict.
  const third = Math.max(1, Math.floor(samples.length / 3));
  const avg = (xs: typeof samples) => xs.reduce((s, x) => s + x.heapMb, 0) / xs.length;
  const early = avg(samples.slice(1, third + 1));
  const late = avg(samples.slice(-third));
  console.log(
    `\nheap: early ${early.toFixed(1)} MB, late ${late.toFixed(1)} MB, ratio ${(late / early).toFixed(2)} (flat is ~1.0)`,
  );
  const warmS = (SNAPSHOT_MIN[0] ?? MINUTES / 6) * 60;
  const trend = linearTrend(samples.filter((s) => s.t >= warmS).map((s) => ({ x: s.t / 3600, y: s.heapMb })));
  console.log(
    `heap trend after ${(warmS / 60).toFixed(0)} min: ${signed(trend.slope, (x) => x.toFixed(2))} ± ${trend.stderr.toFixed(2)} MB/h over ${trend.n} samples (${signed(trend.slope * 24, (x) => x.toFixed(1))} MB a day if it went on)`,
  );
  const nodes = samples.map((s) => s.nodes);
  const listeners = samples.map((s) => s.listeners);
  const gpu = samples.filter((s) => s.t >= warmS && s.gpuMb !== null).map((s) => s.gpuMb!);
  if (gpu.length)
    console.log(
      `map GPU memory after warm-up: ${Math.min(...gpu).toFixed(1)}–${Math.max(...gpu).toFixed(1)} MB (first ${gpu[0].toFixed(1)}, last ${gpu[gpu.length - 1].toFixed(1)})`,
    );
  console.log(
    `DOM nodes ${Math.min(...nodes)}–${Math.max(...nodes)}, event listeners ${Math.min(...listeners)}–${Math.max(...listeners)}; network drops with the stale indicator: ${dropsShown} of ${drops}`,
  );
  for (const s of snapshots.slice(1))
    printGrowth(`${snapshots[0].min.toFixed(0)} -> ${s.min.toFixed(0)} min`, snapshots[0].summary, s.summary);
  const expiryAtEnd = await sessionExpiry();
  console.log(`session cookie expires: ${expiryAtStart} at the start, ${expiryAtEnd} at the end`);
  const loaded = await page.locator('main[data-loading-state="loaded"]').count();
  const stale = await page.locator('[data-testid="stale"]').count();
  console.log(`page still loaded: ${loaded ? 'yes' : 'NO'}; live: ${stale ? 'NO (stale)' : 'yes'}`);
  await browser.close();
  process.exit(loaded && !stale ? 0 : 1);
}

main().catch((err) => {
  console.error(`soak failed: ${(err as Error).message}`);
  process.exit(1);
});
