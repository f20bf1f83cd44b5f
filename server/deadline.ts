/**
 * Thrown when something the server waits on (the database, Redis) did not answer in time. It
 * counts as "unavailable" everywhere (db/client.ts isUnavailableError), so callers answer
 * "retry later" instead of staying silent.
 */
export class DeadlineExceeded extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * Settles with the promise, or rejects with DeadlineExceeded after `ms`. The work itself goes on
 * (a database round trip cannot be taken back); only the caller stops waiting for it.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(what, ms)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
