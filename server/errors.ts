import { TRPCError } from '@trpc/server';
import { isUnavailableError } from '../db/client.ts';
import { AppError, httpStatusOf, type TErrorBody } from '../lib/errors.ts';

/** What a caller is told to wait when the database is not answering (seconds). */
export const UNAVAILABLE_RETRY_S = 2;

/**
 * A database (or Redis) that does not answer is "retry later", never an internal error, a bad
 * credential or silence: the one place that turns such errors into AppError('unavailable').
 */
export function asAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (isUnavailableError(err))
    return new AppError(
      'unavailable',
      'the database is not answering just now; retry in a few seconds',
      undefined,
      UNAVAILABLE_RETRY_S,
    );
  return undefined;
}

const TRPC_CODES: Record<AppError['code'], TRPCError['code']> = {
  invalid: 'BAD_REQUEST',
  unauthorized: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  sold_out: 'CONFLICT',
  idempotency_mismatch: 'CONFLICT',
  payload_too_large: 'PAYLOAD_TOO_LARGE',
  rate_limited: 'TOO_MANY_REQUESTS',
  data_dir_locked: 'CONFLICT',
  unavailable: 'SERVICE_UNAVAILABLE',
  internal: 'INTERNAL_SERVER_ERROR',
};

/** The one place AppError becomes a tRPC error. */
export function toTRPCError(err: AppError): TRPCError {
  return new TRPCError({ code: TRPC_CODES[err.code], message: err.message, cause: err });
}

/** The one place any error becomes an HTTP status and `{ error }` body; unknown errors hide their detail. */
export function toHttpError(err: unknown): { status: number; body: TErrorBody; retryAfterS?: number } {
  const app = asAppError(err);
  if (app) return { status: httpStatusOf(app.code), body: app.toBody(), retryAfterS: app.retryAfterS };
  return {
    status: 500,
    body: { error: { code: 'internal', message: 'internal error: the server logged the details' } },
  };
}

/** Socket acknowledgements carry the same `{ error }` body as HTTP, plus retryAfterS where HTTP sends Retry-After. */
export function toAckError(err: unknown): TErrorBody {
  const { body, retryAfterS } = toHttpError(err);
  return retryAfterS ? { error: { ...body.error, retryAfterS } } : body;
}
