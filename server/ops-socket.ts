import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { PassThrough, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupError, verifyBackup, type BackupSummary, type TBackupEvent } from '../db/backup-format.ts';
import type { Database } from '../db/client.ts';
import type { TLogger } from './logger.ts';
import { writeBackup } from './services/backup.ts';

/**
 * The embedded server's operations socket. Only one process may open the embedded data directory,
 * so while the server runs, the CLI cannot read the database itself; it asks the server instead,
 * over a Unix socket inside the data directory. Who may connect is decided by the file system: the
 * socket is created 0600 (owner only), like the data directory's own secrets.
 *
 * Protocol: the client writes one JSON line, `{"op":"ping"}` or `{"op":"backup"}`; the server
 * answers one JSON line, `{"ok":true,...}` or `{"ok":false,"error":{code,message}}`; for a backup
 * the backup file's bytes follow until the server closes the connection.
 */

/** The socket's file name inside the data directory. */
const SOCKET_NAME = 'ops.sock';
/** Longest Unix socket path Linux and macOS accept (sun_path, bytes, with its terminator). */
const MAX_SOCKET_PATH_BYTES = 103;
/** Largest request line accepted (bytes): requests are tiny, anything bigger is not a client of ours. */
const MAX_REQUEST_BYTES = 4_096;
/** A connection that sends no request line in this long is dropped (ms). */
const REQUEST_TIMEOUT_MS = 10_000;

/** Where the server holding dataDir listens, and where the CLI looks for it. */
export function opsSocketPath(dataDir: string): string {
  return path.join(dataDir, SOCKET_NAME);
}

export interface OpsSocket {
  path: string;
  close(): Promise<void>;
}

export interface OpsSocketOptions {
  db: Database;
  dataDir: string;
  /** The ID-card key the server runs with, for the backup header's fingerprint. */
  idKey: string;
  version: string;
  logger: TLogger;
}

/** True when this process holds the embedded data directory's lock (db/client.ts lockDataDir). */
function holdsDataDir(dataDir: string): boolean {
  try {
    return JSON.parse(readFileSync(path.join(dataDir, 'tidewatch.lock'), 'utf8')).pid === process.pid;
  } catch {
    return false;
  }
}

/** Reads one request line; resolves undefined when the client sends none (or too much). */
function readRequest(conn: Socket): Promise<unknown> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (value: unknown) => {
      conn.off('data', onData);
      clearTimeout(timer);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        try {
          done(JSON.parse(buf.slice(0, nl)));
        } catch {
          done(undefined);
        }
      } else if (buf.length > MAX_REQUEST_BYTES) done(undefined);
    };
    const timer = setTimeout(() => done(undefined), REQUEST_TIMEOUT_MS);
    conn.on('data', onData);
    conn.once('close', () => done(undefined));
  });
}

/**
 * Starts the operations socket when this process holds an embedded data directory (a server on
 * PostgreSQL has none: the CLI reaches PostgreSQL directly). Resolves undefined when not started;
 * never rejects: a server that cannot offer backups still serves the venue (it logs why).
 */
export async function startOpsSocket(opts: OpsSocketOptions): Promise<OpsSocket | undefined> {
  try {
    return await listenOpsSocket(opts);
  } catch (err) {
    opts.logger.warn(
      { err: (err as Error).message },
      'ops socket not started: backups of the running server are not possible',
    );
    return undefined;
  }
}

async function listenOpsSocket(opts: OpsSocketOptions): Promise<OpsSocket | undefined> {
  const { db, dataDir, logger } = opts;
  if (db.kind !== 'pglite' || !holdsDataDir(dataDir)) return undefined;
  const file = opsSocketPath(dataDir);
  if (Buffer.byteLength(file) > MAX_SOCKET_PATH_BYTES) {
    logger.warn(
      { path: file },
      'data directory path too long for a Unix socket: backups of the running server are not possible (use a shorter TIDEWATCH_DATA_DIR)',
    );
    return undefined;
  }
  // This process holds the directory's lock, so a socket file left there belongs to a dead server.
  rmSync(file, { force: true });
  const conns = new Set<Socket>();
  let backupRunning = false;
  const server: Server = createServer((conn) => {
    conns.add(conn);
    conn.once('close', () => conns.delete(conn));
    conn.on('error', () => {});
    void (async () => {
      const req = (await readRequest(conn)) as { op?: unknown } | undefined;
      const answer = (body: object) => conn.write(`${JSON.stringify(body)}\n`);
      if (req?.op === 'ping') {
        answer({ ok: true, pid: process.pid, version: opts.version });
        return conn.end();
      }
      if (req?.op !== 'backup') {
        answer({
          ok: false,
          error: { code: 'invalid', message: 'unknown request: expected {"op":"ping"} or {"op":"backup"}' },
        });
        return conn.end();
      }
      if (backupRunning) {
        answer({
          ok: false,
          error: { code: 'conflict', message: 'a backup of this server is already running: wait for it to finish' },
        });
        return conn.end();
      }
      backupRunning = true;
      const started = Date.now();
      try {
        answer({ ok: true, pid: process.pid, version: opts.version });
        const s = await writeBackup(db, conn, { idKey: opts.idKey });
        logger.info(
          { rows: s.rows, tables: s.tables.length, ms: Date.now() - started },
          'backup streamed over the ops socket',
        );
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'backup over the ops socket failed');
        conn.destroy();
      } finally {
        backupRunning = false;
      }
    })();
  });
  // The socket must never exist with looser permissions, not even between bind and chmod.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(file, () => resolve());
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(file, 0o600);
  logger.info({ path: file }, 'ops socket listening (backups of the running embedded server)');
  return {
    path: file,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of conns) c.destroy();
      await closed;
      rmSync(file, { force: true });
    },
  };
}

interface OpsAnswer {
  ok: boolean;
  pid?: number;
  version?: string;
  error?: { code: string; message: string };
}

/**
 * Sends a request and reads the answer line; the connection stays open for what follows.
 * Resolves undefined when nothing listens there (no socket file, or a dead server's).
 */
async function request(file: string, op: 'ping' | 'backup'): Promise<{ answer: OpsAnswer; conn: Socket } | undefined> {
  if (!existsSync(file)) return undefined;
  const conn = await new Promise<Socket | undefined>((resolve, reject) => {
    const c = connect(file);
    c.once('connect', () => resolve(c));
    c.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? resolve(undefined) : reject(err),
    );
  });
  if (!conn) return undefined;
  // Errors after the answer are reported by the pipeline that reads the rest; never crash on one.
  conn.on('error', () => {});
  conn.write(`${JSON.stringify({ op })}\n`);
  const answer = await new Promise<OpsAnswer>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const nl = buf.indexOf(0x0a);
      if (nl < 0) return;
      conn.off('data', onData);
      conn.pause();
      // Whatever came after the answer line is the start of the backup.
      if (nl + 1 < buf.length) conn.unshift(buf.subarray(nl + 1));
      try {
        resolve(JSON.parse(buf.subarray(0, nl).toString('utf8')) as OpsAnswer);
      } catch {
        reject(new Error(`${file} answered something that is not Tidewatch's ops protocol`));
      }
    };
    conn.on('data', onData);
    conn.once('error', reject);
    conn.once('end', () => reject(new Error(`${file} closed the connection without answering`)));
  });
  return { answer, conn };
}

/** The pid of the live server answering on the data directory's socket, or undefined. */
export async function pingServer(dataDir: string): Promise<{ pid?: number; version?: string } | undefined> {
  const r = await request(opsSocketPath(dataDir), 'ping');
  if (!r) return undefined;
  r.conn.destroy();
  return { pid: r.answer.pid, version: r.answer.version };
}

/**
 * Asks the server holding the data directory for a backup and writes it to out, reading it as it
 * arrives (progress, and every count and checksum checked). Resolves undefined when no server
 * answers there; rejects with BackupError when the server refuses or the stream is incomplete.
 */
export async function backupFromServer(
  dataDir: string,
  out: Writable,
  onEvent?: (e: TBackupEvent) => void,
): Promise<BackupSummary | undefined> {
  const file = opsSocketPath(dataDir);
  const r = await request(file, 'backup');
  if (!r) return undefined;
  const { answer, conn } = r;
  if (!answer.ok) {
    conn.destroy();
    throw new BackupError(
      'producer_failed',
      `the server refused the backup: ${answer.error?.message ?? 'no reason given'}`,
    );
  }
  // The bytes go to out and, through a tap, to a reader that checks them as they pass; the copy
  // waits for the reader when it falls behind, so neither side buffers the whole backup.
  const tap = new PassThrough();
  tap.on('error', () => {});
  const tee = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (tap.destroyed || tap.write(chunk)) return cb(null, chunk);
      const go = () => {
        tap.off('drain', go);
        tap.off('close', go);
        cb(null, chunk);
      };
      tap.on('drain', go);
      tap.on('close', go);
    },
    flush(cb) {
      tap.end();
      cb();
    },
  });
  const name = `the backup from the server (pid ${answer.pid ?? '?'})`;
  const copying = pipeline(conn, tee, out).catch((err: Error) => {
    tap.destroy(err);
    throw err;
  });
  try {
    const [summary] = await Promise.all([verifyBackup(tap, name, onEvent), copying]);
    return summary;
  } catch (err) {
    conn.destroy();
    if (err instanceof BackupError && err.reason === 'corrupt' && /truncated/.test(err.message)) {
      throw new BackupError(
        'producer_failed',
        `${name} stopped before it was complete (did the server stop?): ${err.message}`,
      );
    }
    throw err;
  }
}
