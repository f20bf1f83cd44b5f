import type { Socket } from 'socket.io-client';
import type { Database } from '../../db/client.ts';
import type { TScanAck } from '../../lib/schemas/scan.ts';
import type { App } from '../../server/app.ts';
import { CLI_ACTOR } from '../../server/services/actor.ts';
import { createDevice } from '../../server/services/admin.ts';
import { channelCall, connectSocket } from './app.ts';
import { venueToday } from './venue.ts';

/** A device waits this long for an acknowledgement before it retries the same scan id, as real gates do (ms). */
const ACK_WAIT_MS = 10_000;

/** An ID-card number with a valid check digit, for orders whose customer gives one. */
export const TEST_ID_NUMBER = '11010519491231002X';

/**
 * Sells qty tickets of a type for today through a channel, orders of `perOrder` tickets, every
 * other order with a customer ID-card number (stored encrypted). Returns the ticket codes.
 */
export async function sellTickets(
  app: App,
  channelToken: string,
  type: string,
  qty: number,
  perOrder = 5,
): Promise<string[]> {
  const today = venueToday();
  const cat = await channelCall(app.url, channelToken, 'GET', `/api/channels/catalog?date=${today}`);
  const price = cat.body.types.find((x: { code: string }) => x.code === type).price;
  const codes: string[] = [];
  for (let i = 0; codes.length < qty; i++) {
    const n = Math.min(perOrder, qty - codes.length);
    const customer =
      i % 2 === 0 ? { customer: { name: '测试游客', phone: '13800138000', idNumber: TEST_ID_NUMBER } } : {};
    const r = await channelCall(app.url, channelToken, 'POST', '/api/channels/orders', {
      ref: `traffic-${process.pid}-${Date.now()}-${i}`,
      items: [{ type, qty: n, date: today }],
      amount: price * n,
      ...customer,
    });
    if (r.status !== 201) throw new Error(`selling ${type}: ${r.status} ${JSON.stringify(r.body)}`);
    codes.push(...r.body.tickets.map((x: { code: string }) => x.code));
  }
  return codes;
}

/** Gates that keep scanning until stopped; every stored scan (admitted or rejected) is counted. */
export interface GateTraffic {
  /** Scans acknowledged as decided so far. */
  readonly acked: number;
  /** Resolves once n more scans than now have been acknowledged. */
  more(n: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Connects a device at each gate and has it scan the codes round and round (entry direction), each
 * scan waiting for its acknowledgement and retrying with the same id when the server says
 * "retry later" (as it may while a backup holds PGlite's only session).
 */
export async function startGateTraffic(
  app: App,
  db: Database,
  gates: string[],
  codes: string[],
  prefix: string,
): Promise<GateTraffic> {
  const sockets: Socket[] = [];
  for (const gate of gates) {
    const { token } = await createDevice(db, CLI_ACTOR, { gate });
    sockets.push(await connectSocket(`${app.url}/gates`, { auth: { token } }));
  }
  let acked = 0;
  let running = true;
  let waiters: { target: number; resolve: () => void }[] = [];
  const loops = sockets.map(async (socket, d) => {
    for (let i = 0; running; ) {
      const scan = {
        id: `${prefix}-${d}-${i}`,
        code: codes[(i * sockets.length + d) % codes.length],
        direction: 'in',
        at: new Date().toISOString(),
      };
      let ack: TScanAck | undefined;
      try {
        ack = (await socket.timeout(ACK_WAIT_MS).emitWithAck('scan', scan)) as TScanAck;
      } catch {
        continue;
      }
      if (!('result' in ack)) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      i++;
      acked++;
      for (const w of waiters) if (acked >= w.target) w.resolve();
      waiters = waiters.filter((w) => acked < w.target);
    }
  });
  return {
    get acked() {
      return acked;
    },
    more(n) {
      return new Promise((resolve) => waiters.push({ target: acked + n, resolve }));
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      for (const s of sockets) s.close();
      for (const w of waiters) w.resolve();
    },
  };
}
