import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../server/config.ts';
import { DEMO_PASSWORD, DEMO_USERS, readDemoCredentials } from '../server/services/seed.ts';
import { DEMO_VENUE } from '../db/seed/demo-venue.ts';
import { minutesOf } from '../lib/venue-time.ts';
import { ChannelClient } from './sim/channel-client.ts';
import { formatMinute, SimClock } from './sim/clock.ts';
import { credentialsSignIn, DeskClient } from './sim/desk-client.ts';
import { LodgeDesk } from './sim/front-desk.ts';
import { SimGateDevice } from './sim/gate-device.ts';
import { profileOf } from './sim/orders.ts';
import { Catalogs, SalesChannel } from './sim/sales.ts';
import { SimStats, ThrottledLog } from './sim/stats.ts';
import { Visitors } from './sim/visitors.ts';

/** Default time compression: one simulated minute per two real seconds. */
const DEFAULT_SPEED = 30;
/** Default orders per real minute per channel at the morning peak. */
const DEFAULT_RATE = 5;
/** Every this often (real ms, random in the range) one gate loses its network... */
const OUTAGE_EVERY_MS: [number, number] = [120_000, 240_000];
/** ...for this long (real ms, random in the range). */
const OUTAGE_MS: [number, number] = [30_000, 60_000];
/** The first outage comes sooner, so a short run shows one. */
const FIRST_OUTAGE_MS: [number, number] = [45_000, 75_000];
/** Handhelds on busy lanes lose their network most (Wi-Fi at the lane's edge); now and then a turnstile does. */
const OUTAGE_GATES = ['MG-08', 'EG-04', 'HT-01'];
/** One summary line this often (ms). */
const SUMMARY_EVERY_MS = 30_000;
/**
 * Tour groups per real minute over all the channels that sell them, at the busy hours and the
 * default order rate (they scale with the rate): a coach every two and a half minutes at the
 * peak, every three to four over the busy hours, 10 to 40 persons each: about a sixth of the visitors.
 */
const GROUPS_PER_MIN_AT_DEFAULT_RATE = 0.4;

export interface SimulateOptions {
  baseUrl: string;
  dataDir: string;
  log?: (m: string) => void;
  /** Time compression (TIDEWATCH_SIM_SPEED, default 30); 1 is real time. */
  speed?: number;
  /** Orders per minute per channel at the morning peak (TIDEWATCH_SIM_RATE, default 5). */
  rate?: number;
}

function envNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new Error(`${name} must be a number from ${min} to ${max} (got "${raw}")`);
  return n;
}

const uniform = ([a, b]: [number, number]) => a + Math.random() * (b - a);

function summary(stats: SimStats, clock: SimClock, visitors: Visitors, prevScans: number, elapsedMs: number): string {
  const reasons = [...stats.reasons.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  const rate = ((stats.scans - prevScans) * 1000) / Math.max(1, elapsedMs);
  const sales = [
    `${stats.orders} orders, ${stats.tickets} tickets, ¥${Math.round(stats.revenueFen / 100).toLocaleString('en-US')}`,
    stats.advance ? `${stats.advance} for later days` : '',
    stats.replays || stats.replayMismatches
      ? `${stats.replays} replays ok${stats.replayMismatches ? `, ${stats.replayMismatches} NOT` : ''}`
      : '',
    stats.refunds ? `${stats.refunds} refunds (${stats.refundedTickets} tickets)` : '',
    stats.soldOut ? `${stats.soldOut} sold out` : '',
    stats.rateLimited ? `${stats.rateLimited}× 429` : '',
    stats.orderErrors ? `${stats.orderErrors} errors` : '',
  ].filter(Boolean);
  const offline = stats.offlineQueued
    ? ` | offline ${stats.offlineQueued} decided, ${stats.offlineUploaded} uploaded in ${stats.uploadBatches} uploads, ${stats.offlineConflicts} conflicts`
    : '';
  const trouble = [
    stats.serverUnavailable ? `${stats.serverUnavailable} decided by the gate (server unavailable)` : '',
    stats.scanErrors ? `${stats.scanErrors} errors` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const g = stats.groups;
  const groups = g.orders
    ? ` | groups ${g.orders} sold (${g.bookedToday} persons for today), ${g.arrived} came, ${g.scans} group scans let in ${g.admitted}` +
      `${g.stragglerScans ? ` (${g.stragglers} stragglers in ${g.stragglerScans} scans)` : ''}${g.noShows ? `, ${g.noShows} no-shows` : ''}`
    : '';
  const rides = stats.rides.size
    ? ` | rides ${[...stats.rides.entries()].map(([a, n]) => `${a} ${n}`).join(', ')}${stats.skiParties ? ` (${stats.skiParties} ski parties, ${stats.cardsRunOut} cards ran out)` : ''}`
    : '';
  const d = stats.desk;
  const yuan = (f: number) => `¥${Math.round(f / 100).toLocaleString('en-US')}`;
  const lodge =
    d.checkIns || d.checkOuts || d.errors
      ? ` | lodge ${d.checkIns} check-ins (${d.guests} guests, ${yuan(d.depositsFen)} deposits), ${d.checkOuts} check-outs` +
        ` (${yuan(d.paidFen)} paid, ${yuan(d.refundedFen)} refunded${d.extras ? `, ${d.extras} extras` : ''})` +
        `${d.cleaned ? `, ${d.cleaned} rooms cleaned` : ''}${d.waitingForRoom ? `, ${d.waitingForRoom}× no clean room` : ''}` +
        `${d.audits ? `, ${d.audits} night audits` : ''}${d.errors ? `, ${d.errors} desk errors` : ''}`
      : '';
  const zones = visitors.zones();
  const inPark = zones.reduce((n, [, c]) => n + c, 0);
  const staged = [...stats.staged.values()].reduce((n, c) => n + c, 0);
  return (
    `sim ${formatMinute(clock.simMinute())} (level ${clock.level().toFixed(2)}) | ${sales.join(', ')}` +
    ` | scans ${stats.scans} (${rate.toFixed(1)}/s): ${stats.admitted} admitted, ${stats.rejected} rejected${reasons ? ` (${reasons})` : ''}` +
    `${trouble ? `, ${trouble}` : ''}${offline}${groups}${rides}${lodge}` +
    ` | in the park ${inPark}${zones.length ? `: ${zones.map(([z, n]) => `${z} ${n}`).join(', ')}` : ''}` +
    ` | ${staged} staged incidents, ${stats.surprises} surprises` +
    ` | following ${visitors.tracked} visitors${visitors.dropped ? `, ${visitors.dropped} forgotten` : ''}`
  );
}

/**
 * A day at the demo venue over the real protocols, with the real demo tokens (from `npm run cli --
 * seed demo`): channels sell (HTTP and the /channels socket), visitors scan in and out at simulated
 * gate devices (/gates), handhelds drop off the network now and then and upload what they decided
 * meanwhile. Resolves once connected, with a function that stops everything.
 */
export async function simulate(opts: SimulateOptions): Promise<() => Promise<void>> {
  const log = opts.log ?? ((m: string) => console.log(`[simulate] ${m}`));
  const creds = readDemoCredentials(opts.dataDir);
  if (!creds)
    throw new Error(
      `no demo credentials in ${opts.dataDir}: run \`npm run cli -- seed demo\` first (or \`npm run demo\`)`,
    );
  const speed = opts.speed ?? envNumber('TIDEWATCH_SIM_SPEED', DEFAULT_SPEED, 1, 3600);
  const rate = opts.rate ?? envNumber('TIDEWATCH_SIM_RATE', DEFAULT_RATE, 0, 600);
  // Scan ids must stay unique per device across runs: the server remembers them.
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const clock = new SimClock(speed, DEMO_VENUE.timezone);
  const stats = new SimStats();
  const tlog = new ThrottledLog(log);
  const ac = new AbortController();
  // Every gate, channel and the desk wait on this one signal: more listeners than Node's default 10 is by design.
  setMaxListeners(0, ac.signal);

  // ---- gates ----
  const gateInfo = new Map(DEMO_VENUE.gates.map((g) => [g.code, g]));
  const rideGapMin = new Map(DEMO_VENUE.attractions.map((a) => [a.code, a.rideGapMin]));
  const all = Object.entries(creds.devices).map(
    ([gateCode, token]) =>
      new SimGateDevice({
        baseUrl: opts.baseUrl,
        gateCode,
        token,
        handheld: gateInfo.get(gateCode)?.kind === 'handheld',
        edge: gateInfo.get(gateCode)?.edge,
        rideGapMs: (rideGapMin.get(gateInfo.get(gateCode)?.attraction ?? '') ?? 0) * 60_000,
        runId,
        onLog: log,
        onRetry: () => stats.serverUnavailable++,
        onUpload: (gate, r) => {
          stats.uploadBatches++;
          stats.offlineUploaded += r.uploaded;
          stats.offlineConflicts += r.conflicts;
          log(
            `gate ${gate} uploaded ${r.uploaded} offline scans${r.conflicts ? ` (${r.conflicts} conflicts: admitted offline although the server would have refused)` : ''}${r.remaining ? `, ${r.remaining} still queued` : ''}`,
          );
        },
      }),
  );
  const results = await Promise.allSettled(all.map((d) => d.connect()));
  const devices = new Map<string, SimGateDevice>();
  results.forEach((r, i) => {
    if (r.status === 'rejected') log(String((r.reason as Error).message));
    else devices.set(all[i].gateCode, all[i]);
  });
  const waiting = results.filter((r) => r.status === 'fulfilled' && !r.value).length;
  if (!devices.size) throw new Error(`no gate could connect to ${opts.baseUrl}`);
  log(
    `${devices.size - waiting} of ${all.length} gates connected to ${opts.baseUrl}${waiting ? ` (${waiting} still trying)` : ''}`,
  );

  // ---- channels ----
  const clients = Object.entries(creds.channels).map(
    ([code, token]) => new ChannelClient({ baseUrl: opts.baseUrl, code, token, transport: profileOf(code).transport }),
  );
  const connected = await Promise.allSettled(clients.map((c) => c.connect()));
  const channels = clients.filter((_, i) => {
    const r = connected[i];
    if (r.status === 'rejected') log((r.reason as Error).message);
    return r.status === 'fulfilled';
  });
  const catalogs = new Catalogs();
  const http = channels.find((c) => c.transport === 'http') ?? channels[0];
  if (!http) throw new Error('no sales channel could connect');
  const first = await catalogs.get(http, catalogs.today(clock.realLocal().day));
  if (!first.ok) {
    if (first.code === 'unauthorized')
      throw new Error(`channel ${http.code}: ${first.message}; run \`npm run cli -- seed demo\` again`);
    log(`catalog not available yet (${first.code}: ${first.message}); the channels keep trying`);
  } else {
    const c = first.body;
    const slots = c.slots.map((s) => `${s.start} ${s.remaining}${s.closed ? ' closed' : ''}`).join(', ');
    log(
      `catalog ${c.venue} ${c.date} (${c.dayKind}): ${c.types.map((t) => `${t.code} ¥${t.price}`).join(', ')}; slots left: ${slots}`,
    );
    const m = clock.realLocal().minute;
    if (!c.slots.some((s) => !s.closed && minutesOf(s.end) - 10 > m)) {
      log(
        `no slot of ${c.date} admits any more (real time ${formatMinute(m)} ${DEMO_VENUE.timezone}): slot tickets are booked for tomorrow, walk-ups buy two-day passes`,
      );
    }
  }

  const visitors = new Visitors({
    devices,
    gates: DEMO_VENUE.gates,
    attractions: DEMO_VENUE.attractions,
    clock,
    stats,
    tlog,
  });
  const groupWeights = channels.reduce((n, c) => n + profileOf(c.code).groupWeight, 0);
  const groupsPerMin = (GROUPS_PER_MIN_AT_DEFAULT_RATE * rate) / DEFAULT_RATE;
  const sellers = channels.map(
    (client) =>
      new SalesChannel({
        client,
        profile: profileOf(client.code),
        catalogs,
        clock,
        stats,
        tlog,
        visitors,
        ratePerMin: rate,
        groupsPerMin: groupWeights ? (groupsPerMin * profileOf(client.code).groupWeight) / groupWeights : 0,
        runId,
      }),
  );
  for (const s of sellers) {
    void s.run(ac.signal).catch((err: Error) => log(`${s.code} stopped selling: ${err.message}`));
  }
  log(
    `simulating ${DEMO_VENUE.code} at ×${speed} (one simulated minute per ${(60 / speed).toFixed(speed >= 60 ? 2 : 1)} s, day at ${formatMinute(clock.simMinute())}), ` +
      `${rate} orders/min per channel at the peak over ${sellers.map((s) => s.code).join(', ')}, ` +
      `a tour group every ${groupsPerMin > 0 ? (1 / groupsPerMin).toFixed(1) : '∞'} real minutes at the busy hours`,
  );

  // ---- the lodge's front desk: the desk user over the tRPC API, as the desk's screens ----
  const deskUser = DEMO_USERS.find((u) => u.role === 'frontdesk');
  if (deskUser) {
    const desk = new LodgeDesk({
      desk: new DeskClient(opts.baseUrl, credentialsSignIn(opts.baseUrl, deskUser.email, DEMO_PASSWORD)),
      clock,
      stats,
      tlog,
      venue: creds.venue,
      log,
    });
    void desk.run(ac.signal).catch((err: Error) => log(`the front desk stopped: ${err.message}`));
  }

  // ---- outages: a handheld loses its network, keeps deciding, uploads when back ----
  const outages = (async () => {
    let delay = uniform(FIRST_OUTAGE_MS);
    for (;;) {
      await sleep(delay, undefined, { signal: ac.signal });
      delay = uniform(OUTAGE_EVERY_MS);
      // Only gates visitors use: an outage nobody scans through shows nothing.
      const busy = visitors.usedGates;
      const up = [...devices.values()].filter((d) => d.connected && busy.has(d.gateCode));
      const favourites = up.filter((d) => OUTAGE_GATES.includes(d.gateCode));
      const pool = favourites.length && Math.random() < 0.85 ? favourites : up;
      const d = pool[Math.floor(Math.random() * pool.length)];
      if (!d) continue;
      const ms = uniform(OUTAGE_MS);
      log(`gate ${d.gateCode} loses its network for ${Math.round(ms / 1000)}s (it keeps deciding on its own)`);
      d.goOffline();
      try {
        await sleep(ms, undefined, { signal: ac.signal });
      } finally {
        if (!ac.signal.aborted) {
          log(`gate ${d.gateCode} is back online with ${d.queueLength} scans to upload`);
          d.goOnline();
        }
      }
    }
  })().catch((err: Error) => {
    if (err.name !== 'AbortError') log(`outages stopped: ${err.message}`);
  });

  // ---- summary ----
  let prevScans = 0;
  let prevAt = Date.now();
  const summaryTimer = setInterval(() => {
    const now = Date.now();
    log(summary(stats, clock, visitors, prevScans, now - prevAt));
    prevScans = stats.scans;
    prevAt = now;
  }, SUMMARY_EVERY_MS);

  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      ac.abort();
      clearInterval(summaryTimer);
      visitors.stop();
      await outages;
      const queued = [...devices.values()].reduce((s, d) => s + d.queueLength, 0);
      if (stats.staged.size)
        log(
          `staged incidents (expected refusals): ${[...stats.staged.entries()]
            .sort((a, b) => b[1] - a[1])
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')}`,
        );
      for (const d of devices.values()) d.disconnect();
      for (const c of clients) c.close();
      log(
        `stopped: ${summary(stats, clock, visitors, prevScans, Date.now() - prevAt)}${queued ? ` | ${queued} offline scans were never uploaded` : ''}`,
      );
    })();
    return stopping;
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const config = loadConfig(process.env, 'tool');
  const baseUrl = process.env.TIDEWATCH_URL ?? `http://127.0.0.1:${config.PORT}`;
  simulate({ baseUrl, dataDir: config.dataDir }).then(
    (stop) => {
      const bye = () => {
        const force = setTimeout(() => process.exit(0), 5_000);
        force.unref();
        stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', bye);
      process.once('SIGTERM', bye);
    },
    (err) => {
      console.error(`[simulate] ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
