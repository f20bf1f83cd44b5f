import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../../lib/errors.ts';
import { toHttpError } from '../errors.ts';

/** Largest JSON body accepted by the device and channel endpoints (bytes). */
export const MAX_JSON_BODY_BYTES = 1_048_576;

/** Reads a JSON body, refusing oversized or malformed ones with typed errors. */
export async function readJson(req: IncomingMessage, limit = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new AppError('payload_too_large', `the body is ${declared} bytes; the limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new AppError('payload_too_large', `the body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new AppError('invalid', 'the body is not valid JSON');
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** Sends any error as `{ error: { code, message, fields? } }` with its status (and Retry-After for 429). */
export function sendError(res: ServerResponse, err: unknown): void {
  const { status, body, retryAfterS } = toHttpError(err);
  if (res.headersSent) return void res.destroy();
  sendJson(res, status, body, retryAfterS ? { 'retry-after': String(retryAfterS) } : {});
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S{1,512})$/i.exec(h) : null;
  return m?.[1];
}
