import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, request as playwrightRequest, test } from '@playwright/test';
import { PAGE_ACCESS } from '../../lib/page-access.ts';
import { PUBLIC_SURFACE } from '../../lib/public-surface.ts';
import { AREA_ROLES, ROLES, type TRole } from '../../lib/roles.ts';
import { signIn } from './helpers.ts';

/**
 * The page half of the authorization matrix (the procedures, HTTP routes and sockets are in
 * server/trpc/authorization-matrix.integration.test.ts): every page file under app/, found on disk,
 * against a signed-out caller and each demo role, also with the header that bypassed Next.js
 * middleware in CVE-2025-29927. A page missing from lib/page-access.ts fails here by name.
 */

const FORGED_MIDDLEWARE = { 'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware' };

/** Route paths of app/**\/page.tsx (route groups in parentheses do not show in the path). */
function pageRoutes(dir = 'app', prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name.startsWith('_') || name === 'api') continue;
      out.push(...pageRoutes(full, name.startsWith('(') ? prefix : `${prefix}/${name}`));
    } else if (/^page\.(tsx|ts|jsx|js)$/.test(name)) out.push(prefix || '/');
  }
  return out;
}

const PAGES = pageRoutes().sort();
const accessOf = (p: string) => (PAGE_ACCESS as Record<string, string | undefined>)[p];

test('every page under app/ declares its access, and only the allow-listed ones are public', () => {
  expect(PAGES.length).toBeGreaterThan(0);
  expect(
    PAGES.filter((p) => !accessOf(p)),
    'pages missing from lib/page-access.ts',
  ).toEqual([]);
  expect(PAGES.filter((p) => accessOf(p) === 'public')).toEqual([...PUBLIC_SURFACE.pages].sort());
});

test('refuses every page to signed-out callers and to roles outside its area', async ({ baseURL }) => {
  let cells = 0;
  const anon = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: FORGED_MIDDLEWARE });
  for (const page of PAGES) {
    const res = await anon.get(page, { maxRedirects: 0 });
    if (accessOf(page) === 'public') expect(res.status(), `${page} signed out`).toBe(200);
    else {
      expect([303, 307, 308], `${page} signed out: ${res.status()}`).toContain(res.status());
      expect(res.headers().location, `${page} signed out`).toMatch(/^\/sign-in\?next=/);
    }
    cells++;
  }
  await anon.dispose();
  for (const role of ROLES) {
    const ctx = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: FORGED_MIDDLEWARE });
    await signIn(ctx, `${role}@demo.tidewatch`);
    for (const page of PAGES) {
      const access = accessOf(page)!;
      if (access === 'public') continue;
      const allowedTo = (p: string) => {
        const a = accessOf(p);
        return (
          a === 'signedIn' ||
          (!!a && a !== 'public' && (AREA_ROLES[a as keyof typeof AREA_ROLES] as readonly TRole[]).includes(role))
        );
      };
      const res = await ctx.get(page, { maxRedirects: 0 });
      if ([303, 307, 308].includes(res.status())) {
        // A page may send a role on to its own place (the home page sends operators to the wall).
        const to = res.headers().location ?? '';
        expect(to.startsWith('/sign-in'), `${page} as ${role} was sent to sign in`).toBe(false);
        expect(allowedTo(to.split('?')[0]), `${page} as ${role} sent to ${to}`).toBe(true);
        cells++;
        continue;
      }
      expect(res.status(), `${page} as ${role}`).toBe(200);
      const html = await res.text();
      const allowed =
        access === 'signedIn' || (AREA_ROLES[access as keyof typeof AREA_ROLES] as readonly TRole[]).includes(role);
      expect(html.includes('data-testid="forbidden"'), `${page} as ${role} (${allowed ? 'allowed' : 'refused'})`).toBe(
        !allowed,
      );
      cells++;
    }
    await ctx.dispose();
  }
  console.log(`page matrix: ${PAGES.length} pages x ${ROLES.length + 1} callers = ${cells} cells`);
});
