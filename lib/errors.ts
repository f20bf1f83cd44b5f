/**
 * Every error a user, device or channel can be shown. One code list, converted to tRPC, HTTP and
 * socket acknowledgements in server/errors.ts, so each layer just throws AppError.
 */
export const ERROR_CODES = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  sold_out: 409,
  idempotency_mismatch: 409,
  payload_too_large: 413,
  rate_limited: 429,
  data_dir_locked: 423,
  unavailable: 503,
  internal: 500,
} as const;

export type TErrorCode = keyof typeof ERROR_CODES;

export interface TErrorBody {
  error: { code: TErrorCode | (string & {}); message: string; fields?: Record<string, string[]>; retryAfterS?: number };
}

export class AppError extends Error {
  constructor(
    public readonly code: TErrorCode,
    message: string,
    public readonly fields?: Record<string, string[]>,
    /** Seconds a rate-limited caller should wait before retrying. */
    public readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): TErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}) } };
  }
}

/** zod issues as `fields` of an `invalid` error: request path (e.g. `items.0.slot`) to messages. */
export function fieldsOf(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const i of issues) {
    const key = i.path.map(String).join('.') || '_';
    fields[key] = [...(fields[key] ?? []), i.message];
  }
  return fields;
}

export function httpStatusOf(code: TErrorCode): number {
  return ERROR_CODES[code];
}

/**
 * Parses a service's input with its zod schema; a failure is an `invalid` AppError naming each
 * field and why, prefixed with what was being parsed.
 */
export function parseInput<T>(
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  input: unknown,
  what = 'invalid input',
): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const fields = fieldsOf(r.error.issues);
  throw new AppError(
    'invalid',
    `${what}: ${Object.entries(fields)
      .map(([k, v]) => `${k} ${v.join(', ')}`)
      .join('; ')}`,
    fields,
  );
}
