import { chromium } from '@playwright/test';

/**
 * Kiosk soak run: opens the wall display in kiosk mode against a running Tidewatch (start one with
 * `npm run demo`, which also runs the simulator), drops the network now and then, and samples the
 * page's JS heap and DOM size. A kiosk runs for days, so its memory must stay flat.
 *
 *   npm run soak -- [--minutes 10] [--url http://127.0.0.1:3000] [--offline-every 120]
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const BASE = arg('url', process.env.TIDEWATCH_URL ?? 'http://127.0.0.1:3000');
const MINUTES = Number(arg('minutes', '10'));
/** Seconds between simulated network drops (each lasts 20 s); 0 disables them. */
const OFFLINE_EVERY_S = Number(arg('offline-every', '120'));
/** Seconds between samples. */
const SAMPLE_S = 15;

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--autoplay-policy=no-user-gesture-required'],
  });
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, baseURL: BASE });
  const { csrfToken } = await (await context.request.get('/api/auth/csrf')).json();
  const signin = await context.request.post('/api/auth/callback/credentials', { form: { csrfToken, email: 'operator@demo.tidewatch', password: 'tidewatch-demo', json: 'true' } });
  if (!signin.ok()) throw new Error(`sign-in failed: ${signin.status()}`);
  const page = await context.newPage();
  await page.goto('/command-center?kiosk=1');
  await page.waitForSelector('main[data-loading-state="loaded"]', { timeout: 60_000 });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const samples: { t: number; heapMb: number; nodes: number; stale: boolean }[] = [];
  const start = Date.now();
  let nextOffline = OFFLINE_EVERY_S > 0 ? start + OFFLINE_EVERY_S * 1000 : Infinity;
  console.log(`soak: ${MINUTES} min against ${BASE}, sampling every ${SAMPLE_S}s${OFFLINE_EVERY_S ? `, network drop every ${OFFLINE_EVERY_S}s` : ''}`);
  while (Date.now() - start < MINUTES * 60_000) {
    if (Date.now() >= nextOffline) {
      await context.setOffline(true);
      await page.waitForTimeout(20_000);
      const stale = await page.locator('[data-testid="stale"]').count();
      await context.setOffline(false);
      console.log(`  network dropped for 20 s: stale indicator ${stale ? 'shown' : 'NOT shown'}`);
      nextOffline = Date.now() + OFFLINE_EVERY_S * 1000;
    }
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    const sample = { t: Math.round((Date.now() - start) / 1000), heapMb: m.JSHeapUsedSize / 1048576, nodes: m.Nodes, stale: (await page.locator('[data-testid="stale"]').count()) > 0 };
    samples.push(sample);
    console.log(`  t=${String(sample.t).padStart(5)}s heap=${sample.heapMb.toFixed(1)} MB nodes=${sample.nodes}${sample.stale ? ' (stale)' : ''}`);
    await page.waitForTimeout(SAMPLE_S * 1000);
  }
  // Compare the first and last thirds (after warm-up) so one GC pause does not decide the verdict.
  const third = Math.max(1, Math.floor(samples.length / 3));
  const avg = (xs: typeof samples) => xs.reduce((s, x) => s + x.heapMb, 0) / xs.length;
  const early = avg(samples.slice(1, third + 1));
  const late = avg(samples.slice(-third));
  const growth = late / early;
  console.log(`heap: early ${early.toFixed(1)} MB, late ${late.toFixed(1)} MB, ratio ${growth.toFixed(2)} (flat is ~1.0)`);
  const loaded = await page.locator('main[data-loading-state="loaded"]').count();
  console.log(`page still loaded: ${loaded ? 'yes' : 'NO'}`);
  await browser.close();
  process.exit(loaded ? 0 : 1);
}

main().catch((err) => {
  console.error(`soak failed: ${(err as Error).message}`);
  process.exit(1);
});
