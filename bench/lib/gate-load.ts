import { io, type Socket } from 'socket.io-client';
import type { TScanAck } from '../../lib/schemas/scan.ts';
import { Samples } from './stats.ts';
import type { BenchDevice } from './bench-db.ts';

/** A scan not acknowledged within this long counts as timed out (ms). */
const ACK_TIMEOUT_MS = 15_000;
/** How long connecting all devices may take (ms). */
const CONNECT_TIMEOUT_MS = 15_000;
/** Pacer tick (ms): scans due since the last tick are sent together, spread over the devices. */
const PACER_TICK_MS = 2;
/** After a phase's deadline, outstanding scans get this long to be acknowledged (ms). */
const DRAIN_TIMEOUT_MS = 20_000;

export type Outcome = 'admit' | 'reject' | 'unavailable' | 'error' | 'timeout';

export interface GateConn {
  device: BenchDevice;
  socket: Socket;
}

/** Connects every device to /gates over a websocket with its bearer token. */
export async function connectGates(baseUrl: string, devices: BenchDevice[]): Promise<GateConn[]> {
  return Promise.all(
    devices.map(
      (device) =>
        new Promise<GateConn>((resolve, reject) => {
          const socket = io(`${baseUrl}/gates`, {
            auth: { token: device.token },
            transports: ['websocket'],
            reconnection: false,
            timeout: CONNECT_TIMEOUT_MS,
          });
          const timer = setTimeout(() => {
            socket.disconnect();
            reject(
              new Error(
                `device ${device.id} (gate ${device.gateCode}) did not connect within ${CONNECT_TIMEOUT_MS / 1000}s`,
              ),
            );
          }, CONNECT_TIMEOUT_MS);
          socket.once('connect', () => {
            clearTimeout(timer);
            resolve({ device, socket });
          });
          socket.once('connect_error', (err) => {
            clearTimeout(timer);
            socket.disconnect();
            reject(new Error(`device ${device.id} (gate ${device.gateCode}): ${err.message}`));
          });
        }),
    ),
  );
}

export function disconnectGates(gates: GateConn[]): void {
  for (const g of gates) g.socket.disconnect();
}

/** Which ticket the next scan at a device presents, and in which direction (bench/lib/scan-mix.ts). */
export interface ScanFeed {
  next(device: BenchDevice): { code: string; direction: 'in' | 'out' };
  /** Fresh tickets ran out and were presented again (more rejections than the mix intends). */
  readonly wrapped: boolean;
}

/**
 * Which ticket each scan presents: fresh codes in order (admissions) with a share of repeats of
 * codes already presented (rejections: `used`). When fresh codes run out it wraps around, so a
 * long run stays bounded but rejects more; `wrapped` says it happened. One sequence for all
 * devices, every scan an `in`.
 */
export class TicketFeed implements ScanFeed {
  private cursor = 0;
  private readonly recent: string[] = [];
  wrapped = false;

  constructor(
    private readonly codes: string[],
    private readonly repeatRatio: number,
  ) {}

  next(device: BenchDevice): { code: string; direction: 'in' | 'out' } {
    return { code: this.code(), direction: device.direction };
  }

  code(): string {
    if (this.recent.length && Math.random() < this.repeatRatio)
      return this.recent[Math.floor(Math.random() * this.recent.length)];
    if (this.cursor >= this.codes.length) {
      this.cursor = 0;
      this.wrapped = true;
    }
    const c = this.codes[this.cursor++];
    // A bounded window of recent codes to repeat from.
    if (this.recent.length < 10_000) this.recent.push(c);
    else this.recent[this.cursor % 10_000] = c;
    return c;
  }
}

export interface PhaseResult {
  /** Scans sent in all (warm-up, measured window and drain). */
  sent: number;
  /** Acknowledgements by outcome, in all. */
  outcomes: Record<Outcome, number>;
  /** Decisions (admit + reject) acknowledged inside the measured window (closed loop) or sent inside it (open loop). */
  decidedInWindow: number;
  /** Length of the measured window (s). */
  windowS: number;
  /** Send-to-ack latency (ms) of those decisions. */
  latency: Samples;
  /** Outstanding scans left when the drain timed out (should be 0). */
  unsettled: number;
  /** Largest latency (ms) of the decisions sent in each second of the phase, from its start. */
  secondMax: Float64Array;
  /** Open loop only: the largest lag of an actual send behind its schedule (ms). */
  maxPacerLagMs?: number;
}

/** Sends scans and records outcomes; shared by the closed-loop and the open-loop phase. */
class Recorder {
  sent = 0;
  inFlight = 0;
  decidedInWindow = 0;
  windowOpen = false;
  readonly outcomes: Record<Outcome, number> = { admit: 0, reject: 0, unavailable: 0, error: 0, timeout: 0 };
  readonly latency: Samples;
  readonly secondMax: Float64Array;
  private readonly startedAt = performance.now();
  firstError?: string;

  /**
   * countBy 'ack': a decision counts when its acknowledgement arrives inside the window (throughput);
   * 'send': when the scan was sent inside the window (latency at an offered rate).
   */
  constructor(
    private readonly prefix: string,
    private readonly feed: ScanFeed,
    capacity: number,
    seconds: number,
    private readonly countBy: 'ack' | 'send',
  ) {
    this.latency = new Samples(capacity);
    this.secondMax = new Float64Array(Math.ceil(seconds));
  }

  send(gate: GateConn, onSettled?: () => void): void {
    const { code, direction } = this.feed.next(gate.device);
    const scan = {
      id: `${this.prefix}${(this.sent++).toString(36)}`,
      code,
      direction,
      at: new Date().toISOString(),
    };
    this.inFlight++;
    const t0 = performance.now();
    const sentInWindow = this.windowOpen;
    gate.socket.timeout(ACK_TIMEOUT_MS).emit('scan', scan, (err: Error | null, ack: TScanAck) => {
      this.inFlight--;
      const outcome: Outcome = err
        ? 'timeout'
        : 'result' in ack
          ? ack.result
          : ack.error.code === 'unavailable'
            ? 'unavailable'
            : 'error';
      this.outcomes[outcome]++;
      if ((outcome === 'error' || outcome === 'timeout') && !this.firstError)
        this.firstError = err ? err.message : JSON.stringify(ack);
      const inWindow = this.countBy === 'ack' ? this.windowOpen : sentInWindow;
      if (inWindow && (outcome === 'admit' || outcome === 'reject')) {
        this.decidedInWindow++;
        const ms = performance.now() - t0;
        this.latency.add(ms);
        const second = Math.floor((t0 - this.startedAt) / 1000);
        if (second < this.secondMax.length) this.secondMax[second] = Math.max(this.secondMax[second], ms);
      }
      onSettled?.();
    });
  }

  async drain(): Promise<number> {
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(10);
    return this.inFlight;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Closed loop: every device keeps `window` scans outstanding and sends the next one as each is
 * acknowledged, for warm-up + duration; decisions acknowledged after the warm-up are counted.
 */
export async function runClosedLoop(opts: {
  gates: GateConn[];
  feed: ScanFeed;
  prefix: string;
  window: number;
  warmupS: number;
  durationS: number;
  maxScans: number;
}): Promise<PhaseResult> {
  const rec = new Recorder(opts.prefix, opts.feed, opts.maxScans, opts.warmupS + opts.durationS, 'ack');
  let sending = true;
  const pump = (gate: GateConn) => {
    if (sending && rec.sent < opts.maxScans) rec.send(gate, () => pump(gate));
  };
  for (const g of opts.gates) for (let i = 0; i < opts.window; i++) pump(g);
  await sleep(opts.warmupS * 1000);
  rec.windowOpen = true;
  const t0 = performance.now();
  await sleep(opts.durationS * 1000);
  rec.windowOpen = false;
  const windowS = (performance.now() - t0) / 1000;
  sending = false;
  const unsettled = await rec.drain();
  if (rec.firstError) console.warn(`  first error/timeout: ${rec.firstError.slice(0, 300)}`);
  return {
    sent: rec.sent,
    outcomes: rec.outcomes,
    decidedInWindow: rec.decidedInWindow,
    windowS,
    latency: rec.latency,
    unsettled,
    secondMax: rec.secondMax,
  };
}

/**
 * Open loop at a fixed offered rate: a timer sends the scans that are due (rate x elapsed) round
 * robin over the devices, whether or not earlier ones were acknowledged, so a slow server shows
 * up as latency instead of a lower send rate. The first second is warm-up and not recorded.
 */
export async function runOpenLoop(opts: {
  gates: GateConn[];
  feed: ScanFeed;
  prefix: string;
  rate: number;
  warmupS: number;
  durationS: number;
}): Promise<PhaseResult> {
  const total = Math.ceil(opts.rate * (opts.warmupS + opts.durationS));
  const rec = new Recorder(opts.prefix, opts.feed, total, opts.warmupS + opts.durationS + 1, 'send');
  let maxLag = 0;
  let rr = 0;
  const start = performance.now();
  const warmupEnd = start + opts.warmupS * 1000;
  let windowStart = 0;
  let windowEnd = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (!rec.windowOpen && !windowStart && now >= warmupEnd) {
        rec.windowOpen = true;
        windowStart = now;
      }
      const due = Math.min(total, Math.floor(((now - start) / 1000) * opts.rate));
      if (due > rec.sent) maxLag = Math.max(maxLag, now - (start + (rec.sent / opts.rate) * 1000));
      while (rec.sent < due) rec.send(opts.gates[rr++ % opts.gates.length]);
      if (rec.sent >= total) {
        windowEnd = performance.now();
        rec.windowOpen = false;
        return resolve();
      }
      setTimeout(tick, PACER_TICK_MS);
    };
    tick();
  });
  const unsettled = await rec.drain();
  if (rec.firstError) console.warn(`  first error/timeout: ${rec.firstError.slice(0, 300)}`);
  return {
    sent: rec.sent,
    outcomes: rec.outcomes,
    decidedInWindow: rec.decidedInWindow,
    windowS: (windowEnd - windowStart) / 1000,
    latency: rec.latency,
    unsettled,
    maxPacerLagMs: maxLag,
    secondMax: rec.secondMax,
  };
}
