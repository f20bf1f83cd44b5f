import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import type { BaselineReply, BaselineRequest, ReplayItem } from './ws-broadcast-server.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** How long the baseline server may take to start, and clients to connect (ms). */
const START_TIMEOUT_MS = 30_000;
/** Clients connecting at once. */
const CONNECT_BATCH = 50;
/** After the last broadcast, clients get this long to receive everything (ms). */
const RECEIVE_TIMEOUT_MS = 10_000;

export interface WsBaseline {
  pid: number;
  url: string;
  clients: WebSocket[];
  /** Messages received by all clients so far. */
  received(): number;
  /** Replays the items to every client; resolves when the clients received them all (or the timeout). */
  replay(items: ReplayItem[]): Promise<{ messages: number; sends: number }>;
  stop(): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Starts the raw ws broadcast server as a child process and connects `count` clients to it. */
export async function startWsBaseline(opts: { count: number; nodeArgs?: string[] }): Promise<WsBaseline> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', ...(opts.nodeArgs ?? []), 'bench/fanout/ws-broadcast-server.ts'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const replies: ((m: BaselineReply) => void)[] = [];
  child.on('message', (m: BaselineReply) => {
    for (const f of replies) f(m);
  });
  const next = <T extends BaselineReply['type']>(type: T, timeoutMs: number) =>
    new Promise<Extract<BaselineReply, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`ws baseline server: no "${type}" within ${timeoutMs / 1000}s`)),
        timeoutMs,
      );
      const f = (m: BaselineReply) => {
        if (m.type !== type) return;
        clearTimeout(timer);
        replies.splice(replies.indexOf(f), 1);
        resolve(m as Extract<BaselineReply, { type: T }>);
      };
      replies.push(f);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error('ws baseline server exited'));
      });
    });

  const clients: WebSocket[] = [];
  let received = 0;
  const stop = async () => {
    for (const c of clients) c.terminate();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    const { port } = await next('listening', START_TIMEOUT_MS);
    const url = `ws://127.0.0.1:${port}`;
    for (let i = 0; i < opts.count; i += CONNECT_BATCH) {
      const batch = await Promise.all(
        Array.from(
          { length: Math.min(CONNECT_BATCH, opts.count - i) },
          () =>
            new Promise<WebSocket>((resolve, reject) => {
              const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: START_TIMEOUT_MS });
              ws.once('open', () => resolve(ws));
              ws.once('error', reject);
            }),
        ),
      );
      for (const ws of batch) {
        // Parse like a screen would: the cost on this side is not measured, but it keeps the
        // clients' read pace comparable with the Socket.IO screens.
        ws.on('message', (data) => {
          JSON.parse(String(data));
          received++;
        });
        clients.push(ws);
      }
      await sleep(10);
    }
    return {
      pid: child.pid!,
      url,
      clients,
      received: () => received,
      async replay(items) {
        const before = received;
        const done = next('done', (items.at(-1)?.offsetMs ?? 0) + START_TIMEOUT_MS);
        child.send({ type: 'replay', items } satisfies BaselineRequest);
        const r = await done;
        const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
        while (received - before < r.sends && Date.now() < deadline) await sleep(5);
        return r;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
