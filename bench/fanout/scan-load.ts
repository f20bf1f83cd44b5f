import type { TScanAck } from '../../lib/schemas/scan.ts';
import type { GateConn, Outcome, TicketFeed } from '../lib/gate-load.ts';

/** A scan not acknowledged within this long counts as timed out (ms). */
const ACK_TIMEOUT_MS = 15_000;
/** Pacer tick (ms): scans due since the last tick are sent together, round robin over the devices. */
const PACER_TICK_MS = 5;
/** After a phase's last send, outstanding scans get this long to be acknowledged (ms). */
const DRAIN_TIMEOUT_MS = 20_000;

/**
 * Which `entries` total includes each admitted scan. Admissions are committed in one order (every
 * batch bumps the same daily_counters row, so commits serialise on its lock) and acknowledged
 * after their commit, so the k-th admission acknowledged is in every total >= base + k. Acks read
 * in the same event-loop turn may have been processed out of commit order, so they form one group
 * and all get the total after the whole group: never too low, at worst one batch too high.
 */
export class AdmitOrder {
  admitted = 0;
  private group: ((total: number) => void)[] = [];
  private scheduled = false;

  constructor(public base = 0) {}

  admit(onTotal: (total: number) => void): void {
    this.admitted++;
    this.group.push(onTotal);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const total = this.base + this.admitted;
      for (const f of this.group.splice(0)) f(total);
    });
  }
}

export interface ScanPhase {
  sent: number;
  outcomes: Record<Outcome, number>;
  /** Measured window in performance.now() time of this process. */
  windowStart: number;
  windowEnd: number;
  /**
   * Scans sent inside the window and admitted: send time, the first entries total that includes
   * them, and send-to-ack time (ms).
   */
  window: { sendAt: Float64Array; total: Float64Array; ackMs: Float64Array; n: number };
  /** Scans still unacknowledged when the drain gave up (should be 0). */
  unsettled: number;
  /** The largest lag of an actual send behind its schedule (ms). */
  maxPacerLagMs: number;
  firstError?: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Open loop at a fixed rate: each tick sends the scans due by then (rate x elapsed), round robin
 * over the devices, whether or not earlier ones were acknowledged. The first `warmupS` seconds are
 * not measured. Every ticket is fresh, so every scan should be admitted.
 */
export async function runScans(opts: {
  gates: GateConn[];
  feed: TicketFeed;
  prefix: string;
  rate: number;
  warmupS: number;
  durationS: number;
  order: AdmitOrder;
  /** Called synchronously as the measured window opens and closes (CPU and delivery snapshots). */
  onWindow?: (edge: 'start' | 'end') => void;
}): Promise<ScanPhase> {
  const total = Math.ceil(opts.rate * (opts.warmupS + opts.durationS));
  const sendAt = new Float64Array(total);
  const totals = new Float64Array(total);
  const ackAt = new Float64Array(total);
  const inWindow = new Uint8Array(total);
  const admitted = new Uint8Array(total);
  const outcomes: Record<Outcome, number> = { admit: 0, reject: 0, unavailable: 0, error: 0, timeout: 0 };
  let sent = 0;
  let inFlight = 0;
  let maxLag = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const warmupEnd = start + opts.warmupS * 1000;
  let windowStart = 0;
  let windowEnd = 0;

  const send = (i: number, now: number) => {
    const gate = opts.gates[i % opts.gates.length];
    const scan = {
      id: `${opts.prefix}${i.toString(36)}`,
      code: opts.feed.code(),
      direction: 'in' as const,
      at: new Date().toISOString(),
    };
    sendAt[i] = now;
    inWindow[i] = windowStart > 0 ? 1 : 0;
    inFlight++;
    gate.socket.timeout(ACK_TIMEOUT_MS).emit('scan', scan, (err: Error | null, ack: TScanAck) => {
      inFlight--;
      ackAt[i] = performance.now();
      const outcome: Outcome = err
        ? 'timeout'
        : 'result' in ack
          ? ack.result
          : ack.error.code === 'unavailable'
            ? 'unavailable'
            : 'error';
      outcomes[outcome]++;
      if (outcome === 'admit') {
        admitted[i] = 1;
        opts.order.admit((t) => (totals[i] = t));
      } else if (!firstError) firstError = err ? err.message : JSON.stringify(ack).slice(0, 300);
    });
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (!windowStart && now >= warmupEnd) {
        windowStart = now;
        opts.onWindow?.('start');
      }
      const due = Math.min(total, Math.floor(((now - start) / 1000) * opts.rate));
      if (due > sent) maxLag = Math.max(maxLag, now - (start + (sent / opts.rate) * 1000));
      while (sent < due) send(sent++, now);
      if (sent >= total) {
        windowEnd = performance.now();
        opts.onWindow?.('end');
        return resolve();
      }
      setTimeout(tick, PACER_TICK_MS);
    };
    tick();
  });
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (inFlight > 0 && Date.now() < deadline) await sleep(10);
  // Let the last ack group get its total.
  await new Promise((r) => setImmediate(r));

  const win = { sendAt: new Float64Array(total), total: new Float64Array(total), ackMs: new Float64Array(total), n: 0 };
  for (let i = 0; i < sent; i++) {
    if (!inWindow[i] || !admitted[i]) continue;
    win.sendAt[win.n] = sendAt[i];
    win.total[win.n] = totals[i];
    win.ackMs[win.n] = ackAt[i] - sendAt[i];
    win.n++;
  }
  return {
    sent,
    outcomes,
    windowStart,
    windowEnd,
    window: win,
    unsettled: inFlight,
    maxPacerLagMs: maxLag,
    firstError,
  };
}
