// The baseline for bench:fanout: a raw `ws` server that broadcasts the messages it is given to
// every connected client, nothing else (no rooms, no acks, no database). Runs as its own process
// so its CPU time can be read from /proc like the Tidewatch server's. Driven over the IPC channel.
import { WebSocket, WebSocketServer } from 'ws';

export interface ReplayItem {
  offsetMs: number;
  event: string;
  payload: unknown;
}
export type BaselineRequest = { type: 'replay'; items: ReplayItem[] };
export type BaselineReply = { type: 'listening'; port: number } | { type: 'done'; messages: number; sends: number };

if (!process.send)
  throw new Error('ws-broadcast-server.ts runs as a child process with an IPC channel (see ws-baseline.ts)');
const reply = (m: BaselineReply) => process.send!(m);

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('listening', () => reply({ type: 'listening', port: (wss.address() as { port: number }).port }));

/** The canonical ws broadcast: serialise once per message, send the string to every open client. */
function broadcast(event: string, payload: unknown): number {
  const data = JSON.stringify([event, payload]);
  let sends = 0;
  for (const client of wss.clients) {
    if (client.readyState !== WebSocket.OPEN) continue;
    client.send(data);
    sends++;
  }
  return sends;
}

process.on('message', (msg: BaselineRequest) => {
  if (msg.type !== 'replay') return;
  let left = msg.items.length;
  let sends = 0;
  if (left === 0) return reply({ type: 'done', messages: 0, sends: 0 });
  for (const item of msg.items) {
    setTimeout(() => {
      sends += broadcast(item.event, item.payload);
      if (--left === 0) reply({ type: 'done', messages: msg.items.length, sends });
    }, item.offsetMs);
  }
});
// The parent went away (crash, Ctrl-C): do not linger. Exit through process.exit so a CPU
// profile (--cpu-prof) gets written.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
