import type { APIRequestContext } from '@playwright/test';

export const DEMO_PASSWORD = 'tidewatch-demo';

/** Signs in over HTTP the way next-auth's form does (CSRF token, then the credentials callback). */
export async function signIn(request: APIRequestContext, email: string, password = DEMO_PASSWORD): Promise<void> {
  const { csrfToken } = await (await request.get('/api/auth/csrf')).json();
  const res = await request.post('/api/auth/callback/credentials', { form: { csrfToken, email, password, json: 'true' } });
  if (!res.ok()) throw new Error(`sign-in as ${email} failed: ${res.status()}`);
  const state = await request.storageState();
  if (!state.cookies.some((c) => c.name.endsWith('next-auth.session-token'))) throw new Error(`sign-in as ${email}: no session cookie`);
}

/** Calls a tRPC mutation over HTTP with the request context's cookies. */
export async function trpcMutation(request: APIRequestContext, path: string, input: unknown) {
  const res = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  const body = await res.json();
  return { status: res.status(), data: body.result?.data?.json, error: body.error?.json };
}
