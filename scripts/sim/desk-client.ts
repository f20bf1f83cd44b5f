import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from '../../server/trpc/root.ts';

/** How long the desk waits for an answer before treating the request as lost (ms). */
const REQUEST_TIMEOUT_MS = 15_000;
/** The session cookie next-auth sets (over HTTPS with the `__Secure-` prefix; chunked when large). */
const SESSION_COOKIE = /^(__Secure-)?next-auth\.session-token(\.\d+)?=/;

type TDeskApi = ReturnType<typeof createTRPCClient<AppRouter>>;

/** A session cookie header for the desk: signs in, or (tests) hands over a cookie made otherwise. */
type TSignIn = () => Promise<string>;

const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]);

/**
 * Signs in through next-auth's credentials provider over HTTP, as the sign-in page does: the CSRF
 * token and its cookie, then the callback with email and password. Resolves the session cookie.
 */
export function credentialsSignIn(baseUrl: string, email: string, password: string): TSignIn {
  return async () => {
    const csrf = await fetch(`${baseUrl}/api/auth/csrf`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!csrf.ok) throw new Error(`sign-in as ${email}: /api/auth/csrf answered ${csrf.status}`);
    const { csrfToken } = (await csrf.json()) as { csrfToken?: string };
    if (!csrfToken) throw new Error(`sign-in as ${email}: no CSRF token`);
    const res = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(csrf).join('; ') },
      body: new URLSearchParams({ csrfToken, email, password, json: 'true' }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const session = cookiesOf(res).filter((c) => SESSION_COOKIE.test(c));
    if (!session.length)
      throw new Error(`sign-in as ${email} was refused (${res.status}): run \`npm run cli -- seed demo\``);
    return session.join('; ');
  };
}

/** The error code a desk request failed with: the app's (`conflict`, `sold_out`, ...), tRPC's, or `network`. */
export function deskErrorCode(err: unknown): string {
  if (err instanceof TRPCClientError) {
    const data = err.data as { appCode?: string; code?: string } | undefined;
    return data?.appCode ?? data?.code?.toLowerCase() ?? 'network';
  }
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError') ? 'timeout' : 'network';
}

/** The session ended or was never there: sign in again. */
function isSignedOut(err: unknown): boolean {
  return err instanceof TRPCClientError && (err.data as { code?: string } | undefined)?.code === 'UNAUTHORIZED';
}

/**
 * The front desk's side of the app: the tRPC API at /api/trpc with the desk user's session cookie,
 * the way the desk's screens call it (superjson). Signs in on first use and again when the session
 * is gone; `call` runs one request with a fresh sign-in and one retry after a sign-out.
 */
export class DeskClient {
  private cookie: string | undefined;
  readonly api: TDeskApi;

  constructor(
    baseUrl: string,
    private readonly signIn: TSignIn,
  ) {
    this.api = createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url: `${baseUrl}/api/trpc`,
          transformer: superjson,
          headers: () => (this.cookie ? { cookie: this.cookie } : {}),
        }),
      ],
    });
  }

  /** One request, given the options to pass on (a timeout signal, so a lost answer never holds the desk). */
  async call<T>(request: (api: TDeskApi, opts: { signal: AbortSignal }) => Promise<T>): Promise<T> {
    this.cookie ??= await this.signIn();
    try {
      return await request(this.api, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
      if (!isSignedOut(err)) throw err;
      this.cookie = await this.signIn();
      return request(this.api, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    }
  }
}
