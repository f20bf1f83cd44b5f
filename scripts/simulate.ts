import { loadConfig } from '../server/config.ts';
import { readDemoCredentials } from '../server/services/seed.ts';
import { DEMO_VENUE } from '../db/seed/demo-venue.ts';
import { SimGateDevice } from './sim/gate-device.ts';

/** Every this often one handheld scanner drops off the network for OFFLINE_MS, as they do (ms). */
const OUTAGE_EVERY_MS = 90_000;
const OFFLINE_MS = 25_000;

/**
 * Simulated gates for the demo venue: real devices over /gates with real tokens (from
 * `npm run cli -- seed demo`). Set TIDEWATCH_URL to point at a server other than this machine's.
 */
export async function simulate(opts: { baseUrl: string; dataDir: string; log?: (m: string) => void }): Promise<() => void> {
  const log = opts.log ?? ((m: string) => console.log(`[simulate] ${m}`));
  const creds = readDemoCredentials(opts.dataDir);
  if (!creds) throw new Error(`no demo credentials in ${opts.dataDir}: run \`npm run cli -- seed demo\` first (or \`npm run demo\`)`);
  const handheld = new Set(DEMO_VENUE.gates.filter((g) => g.kind === 'handheld').map((g) => g.code));
  const devices = Object.entries(creds.devices).map(
    ([gateCode, token]) => new SimGateDevice({ baseUrl: opts.baseUrl, gateCode, token, handheld: handheld.has(gateCode), onLog: log }),
  );
  const results = await Promise.allSettled(devices.map((d) => d.connect()));
  const failed = results.filter((r) => r.status === 'rejected');
  log(`${devices.length - failed.length} of ${devices.length} gates connected to ${opts.baseUrl}`);
  for (const f of failed) log(String((f as PromiseRejectedResult).reason));
  const outage = setInterval(() => {
    const candidates = devices.filter((d) => handheld.has(d.gateCode) && d.connected);
    const d = candidates[Math.floor(Math.random() * candidates.length)];
    if (!d) return;
    log(`gate ${d.gateCode} loses its network for ${OFFLINE_MS / 1000}s`);
    d.disconnect();
    setTimeout(() => void d.connect().catch(() => {}), OFFLINE_MS);
  }, OUTAGE_EVERY_MS);
  return () => {
    clearInterval(outage);
    for (const d of devices) d.disconnect();
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig(process.env, 'tool');
  const baseUrl = process.env.TIDEWATCH_URL ?? `http://127.0.0.1:${config.PORT}`;
  simulate({ baseUrl, dataDir: config.dataDir }).then(
    (stop) => {
      const bye = () => {
        stop();
        process.exit(0);
      };
      process.once('SIGINT', bye);
      process.once('SIGTERM', bye);
    },
    (err) => {
      console.error(`simulate: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
