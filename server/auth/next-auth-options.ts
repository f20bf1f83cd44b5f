import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { isUnavailableError } from '../../db/client.ts';
import { findUserForSignIn } from '../../db/queries/users.ts';
import { withDeadline } from '../deadline.ts';
import { getRuntime } from '../runtime.ts';
import type { SharedState } from '../shared/shared-state.ts';
import { dummyPasswordHash, verifyPassword } from '../services/secrets.ts';
import { userById } from './session.ts';
import { getOrInsert } from '../../lib/map.ts';

/** Sessions last one shift plus margin (seconds); role and disabled state are re-read on every request. */
const SESSION_MAX_AGE_S = 14 * 3600;
/** Failed sign-ins allowed per account per window before the account is locked for a while. */
const FAILS_PER_ACCOUNT = 5;
/** Failed sign-ins allowed per client address per window (a shared front-desk PC gets some slack). */
const FAILS_PER_ADDRESS = 20;
/** Window and lock-out length for failed sign-ins (seconds). */
const FAIL_WINDOW_S = 15 * 60;
/**
 * How long one sign-in step waits for the database or the rate-limit store (ms). A frozen server
 * answers nothing and the pool's own timeouts are longer than a person at the form will wait; past
 * this the form says "unavailable, try again" instead of spinning.
 */
const SIGN_IN_WAIT_MS = 4_000;

/** The header the custom server sets from the TCP peer address (any inbound copy is dropped). */
export const REMOTE_ADDR_HEADER = 'x-tidewatch-remote-addr';

const ZCredentials = z.object({ email: z.string().trim().toLowerCase().max(254), password: z.string().max(200) });

type Limiter = ReturnType<SharedState['rateLimiter']>;
const limiterCache = new WeakMap<SharedState, { account: Limiter; address: Limiter }>();
function signInLimiters() {
  const { shared } = getRuntime();
  return getOrInsert(limiterCache, shared, () => ({
    account: shared.rateLimiter({
      keyPrefix: 'signin-fail:account',
      points: FAILS_PER_ACCOUNT,
      duration: FAIL_WINDOW_S,
      blockDuration: FAIL_WINDOW_S,
    }),
    address: shared.rateLimiter({
      keyPrefix: 'signin-fail:address',
      points: FAILS_PER_ADDRESS,
      duration: FAIL_WINDOW_S,
      blockDuration: FAIL_WINDOW_S,
    }),
  }));
}

/** Thrown messages become `error` in signIn()'s result; the sign-in page translates these codes. */
export const SIGNIN_ERRORS = {
  invalid: 'invalid_credentials',
  throttled: 'throttled',
  unavailable: 'unavailable',
} as const;

/** The database or the rate-limit store did not answer: nothing was decided about the credentials. */
class SignInUnavailable extends Error {
  constructor(
    readonly step: string,
    readonly causeMessage: string,
  ) {
    super(SIGNIN_ERRORS.unavailable);
  }
}

/**
 * Waits for one step of the sign-in, at most SIGN_IN_WAIT_MS. A step that does not answer, or
 * fails the way a missing database does, becomes SignInUnavailable; `anyFailure` says every error
 * of this step means the store could not answer (the rate limiters reject only for that).
 */
async function step<T>(work: Promise<T>, what: string, anyFailure = false): Promise<T> {
  try {
    return await withDeadline(work, SIGN_IN_WAIT_MS, what);
  } catch (err) {
    if (err instanceof RateLimiterRes) throw err;
    if (anyFailure || isUnavailableError(err))
      throw new SignInUnavailable(what, (err as Error)?.message ?? String(err));
    throw err;
  }
}

/**
 * Checks credentials with per-account and per-address throttling of failures (exported for tests).
 * A wrong password is `invalid_credentials` and counts against both limits; a database or limit
 * store that does not answer is `unavailable` and counts against nothing, since nothing about the
 * password was learnt.
 */
export async function authorizeCredentials(
  raw: Record<string, string> | undefined,
  headers: Record<string, string | string[] | undefined>,
) {
  const { db, logger } = getRuntime();
  const parsed = ZCredentials.safeParse(raw ?? {});
  if (!parsed.success) throw new Error(SIGNIN_ERRORS.invalid);
  const { email, password } = parsed.data;
  const address = String(headers[REMOTE_ADDR_HEADER] ?? 'unknown');
  const { account, address: byAddress } = signInLimiters();
  try {
    const [a, b] = await step(Promise.all([account.get(email), byAddress.get(address)]), 'the sign-in limits', true);
    if ((a && a.remainingPoints <= 0) || (b && b.remainingPoints <= 0)) {
      logger.warn({ email, address }, 'sign-in throttled');
      throw new Error(SIGNIN_ERRORS.throttled);
    }
    const row = await step(findUserForSignIn(db, email), 'the user lookup');
    const ok = await verifyPassword(row?.password_hash ?? (await dummyPasswordHash()), password);
    if (!row || !ok || row.disabled_at) {
      // A failure that cannot be counted is not answered: "wrong password" without a count would
      // let guessing run unthrottled while the limit store is away.
      await step(Promise.all([account.consume(email), byAddress.consume(address)]), 'the sign-in limits', true).catch(
        (e) => {
          if (!(e instanceof RateLimiterRes)) throw e;
        },
      );
      logger.info({ email, address }, 'sign-in failed');
      throw new Error(SIGNIN_ERRORS.invalid);
    }
    // Clearing the failure count is a courtesy: a limit store that is away must not refuse a right password.
    await step(account.delete(email), 'the sign-in limits', true).catch((e) =>
      logger.warn({ email, err: (e as Error).message }, 'could not clear failed sign-ins'),
    );
    logger.info({ userId: row.id, address }, 'signed in');
    return { id: String(row.id), email: row.email, name: row.name };
  } catch (err) {
    if (err instanceof SignInUnavailable) {
      logger.warn({ email, address, step: err.step, err: err.causeMessage }, 'sign-in unavailable: nothing answered');
      throw new Error(SIGNIN_ERRORS.unavailable);
    }
    throw err;
  }
}

/** next-auth configuration: credentials (email + password), JWT sessions re-checked against the user row. */
export function authOptions(): NextAuthOptions {
  const { config, db } = getRuntime();
  return {
    secret: config.authSecret,
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: '/sign-in' },
    providers: [
      CredentialsProvider({
        name: 'Tidewatch',
        credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
        authorize: (credentials, req) =>
          authorizeCredentials(credentials, (req?.headers ?? {}) as Record<string, string>),
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user) token.sub = user.id;
        return token;
      },
      async session({ session, token }) {
        const id = Number(token.sub);
        let u: Awaited<ReturnType<typeof userById>>;
        try {
          u = Number.isInteger(id) && id > 0 ? await userById(db, id) : null;
        } catch {
          // The database did not answer. Throwing here would make next-auth delete the session
          // cookie and sign out every wall that renews its session during the outage; every
          // request re-checks the user anyway, so say "unknown for now" and keep the cookie.
          return { ...session, user: undefined, unavailable: true } as typeof session;
        }
        // A disabled or deleted account gets an empty session (the client treats it as signed out).
        if (!u) return { ...session, user: undefined } as typeof session;
        return { ...session, user: { name: u.name, email: u.email, id: u.id, role: u.role } } as typeof session;
      },
    },
  };
}
