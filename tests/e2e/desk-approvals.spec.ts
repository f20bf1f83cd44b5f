import path from 'node:path';
import {
  type Browser,
  type BrowserContext,
  expect,
  type Page,
  request as playwrightRequest,
  test,
} from '@playwright/test';
import { readDemoCredentials, type DemoCredentials } from '../../server/services/seed.ts';
import { connectGate, DEMO_PASSWORD, sellTickets, signIn, trpcMutation } from './helpers.ts';

/**
 * Issue 11 "Live" at the front desk, in two browsers at once: a cashier at the check-in desk asks
 * for a supervisor's approval (请求主管授权) of a refused ticket, the manager sees the request
 * appear on the approvals screen without a reload and approves it by keyboard, and the desk admits
 * with it by itself; a second request is denied with a note the desk reads. The sell screen
 * refetches places left when another channel sells, long before its slow fallback poll.
 * Screenshots of the approvals screen and the waiting desk go to docs/screenshots/.
 */

test.describe.configure({ mode: 'serial' });

const CASHIER = 'approvals-e2e@desk.test';
const MANAGER_NAME = '值班主管 E2E';
const MANAGER = 'approvals-manager-e2e@desk.test';
const shot = (name: string) => path.join('docs', 'screenshots', name);
let creds: DemoCredentials;

async function deskContext(browser: Browser, baseURL: string, email: string, locale: 'zh-CN' | 'en') {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 768 } });
  await context.addCookies([{ name: 'tw-locale', value: locale, url: baseURL }]);
  await signIn(context.request, email);
  return context;
}

/** Sells a two-day pass and lets it in at MG-01: at the desk, entering again is refused (anti-passback). */
async function insideTicket(baseURL: string): Promise<string> {
  const api = await playwrightRequest.newContext({ baseURL });
  const [code] = await sellTickets(api, creds, 'WINDOW-1', 1);
  await api.dispose();
  const gate = await connectGate(baseURL, creds, 'MG-01');
  try {
    const ack = await gate.emitWithAck('scan', {
      id: `appr-${code.slice(-8)}`,
      code,
      direction: 'in',
      at: new Date().toISOString(),
    });
    expect(ack).toMatchObject({ result: 'admit' });
  } finally {
    gate.close();
  }
  return code;
}

/** At the check-in desk: the code, Enter, the refusal, F9 for the override, Alt+R to ask a supervisor. */
async function askSupervisor(desk: Page, code: string) {
  const input = desk.getByTestId('checkin-input');
  await expect(input).toBeFocused();
  // The desk selects what the input holds once it has the focus back (next frame): typing replaces it.
  await expect
    .poll(() =>
      input.evaluate((el: HTMLInputElement) => el.selectionStart === 0 && el.selectionEnd === el.value.length),
    )
    .toBe(true);
  await desk.keyboard.type(code);
  await desk.keyboard.press('Enter');
  await expect(desk.getByTestId('checkin-verdict')).toHaveAttribute('data-result', 'reject');
  await desk.keyboard.press('F9');
  await expect(desk.getByTestId('checkin-override-dialog')).toBeVisible();
  await expect(desk.getByTestId('checkin-override-reason')).toBeFocused();
  await desk.keyboard.press('Alt+r');
  await expect(desk.getByTestId('checkin-approval')).toHaveAttribute('data-state', 'pending');
}

test.beforeAll(async ({ baseURL }) => {
  creds = readDemoCredentials(process.env.E2E_DATA_DIR!)!;
  expect(creds, 'demo credentials written by the e2e setup').toBeTruthy();
  const admin = await playwrightRequest.newContext({ baseURL });
  await signIn(admin, 'admin@demo.tidewatch');
  for (const [email, name, role] of [
    [CASHIER, '检票员 E2E', 'frontdesk'],
    [MANAGER, MANAGER_NAME, 'manager'],
  ] as const) {
    const res = await trpcMutation(admin, 'admin.createUser', {
      email,
      name,
      role,
      password: DEMO_PASSWORD,
      venues: ['YUNLING'],
    });
    expect(res.status).toBe(200);
  }
  await admin.dispose();
});

test('a cashier asks, the manager approves live by keyboard, and the desk admits with the approval', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const approved = await insideTicket(baseURL!);
  const denied = await insideTicket(baseURL!);
  const contexts: BrowserContext[] = [];
  try {
    contexts.push(await deskContext(browser, baseURL!, MANAGER, 'zh-CN'));
    contexts.push(await deskContext(browser, baseURL!, CASHIER, 'zh-CN'));
    const [managerCtx, cashierCtx] = contexts;
    const boss = await managerCtx.newPage();
    const desk = await cashierCtx.newPage();

    // The manager opens the approvals screen with its function key, from another desk screen.
    await boss.goto('/front-desk/check-in');
    await expect(boss.locator('.desk-tabs a[href="/front-desk/approvals"]')).toContainText('F10');
    await boss.keyboard.press('F10');
    await expect(boss).toHaveURL(/\/front-desk\/approvals$/);
    await expect(boss.getByTestId('approvals-screen')).toHaveAttribute('data-loading-state', 'loaded');
    await expect(boss.getByTestId('approvals-screen')).toHaveAttribute('data-live', 'live');
    await expect(boss.getByTestId('approvals-list')).toBeFocused();
    // A cashier has no approvals tab.
    await desk.goto('/front-desk/check-in');
    await expect(desk.getByTestId('check-in-screen')).toHaveAttribute('data-loading-state', 'loaded');
    await expect(desk.locator('.desk-tabs a[href="/front-desk/approvals"]')).toHaveCount(0);

    // The desk asks; the request appears on the manager's screen without a reload.
    await askSupervisor(desk, approved);
    await desk.screenshot({ path: shot('front-desk-approval-waiting.zh.png') });
    const row = boss.getByTestId('approvals-row').first();
    await expect(row).toBeVisible();
    await expect(row).toHaveAttribute('aria-selected', 'true');
    await expect(row).toContainText('反潜回');
    await expect(row).toContainText('检票员 E2E');
    await expect(row.getByTestId('approvals-age')).toHaveText('刚刚');
    await boss.screenshot({ path: shot('front-desk-approvals.zh.png') });

    // N writes a note, Enter approves; the desk admits by itself with the approval.
    await boss.keyboard.press('n');
    await expect(boss.getByTestId('approvals-note')).toBeFocused();
    await boss.keyboard.type('已核实，放行');
    await boss.keyboard.press('Enter');
    await expect(boss.getByTestId('approvals-outcome')).toContainText('已同意');
    await expect(boss.getByTestId('approvals-empty')).toBeVisible();
    await expect(desk.getByTestId('checkin-override-dialog')).toHaveCount(0);
    await expect(desk.getByTestId('checkin-outcome')).toHaveAttribute('data-result', 'override');
    await expect(desk.getByTestId('checkin-outcome')).toContainText(MANAGER);
    await expect(desk.getByTestId('checkin-input')).toBeFocused();

    // A second request: the manager writes why and denies with D; the desk reads the note.
    await askSupervisor(desk, denied);
    await expect(boss.getByTestId('approvals-row')).toHaveCount(1);
    await boss.keyboard.press('n');
    await boss.keyboard.type('请到售票处办理');
    await boss.keyboard.press('Escape');
    await expect(boss.getByTestId('approvals-list')).toBeFocused();
    await boss.keyboard.press('d');
    await expect(boss.getByTestId('approvals-outcome')).toContainText('已拒绝');
    await expect(desk.getByTestId('checkin-approval')).toHaveAttribute('data-state', 'denied');
    await expect(desk.getByTestId('checkin-approval-note')).toContainText('请到售票处办理');
    await expect(desk.getByTestId('checkin-approval')).toContainText(MANAGER_NAME);
    await desk.keyboard.press('Escape');
    await expect(desk.getByTestId('checkin-override-dialog')).toHaveCount(0);
    await expect(desk.getByTestId('checkin-verdict')).toHaveAttribute('data-reason', 'passback');
  } finally {
    for (const c of contexts) await c.close();
  }
});

test('the approvals screen in English, and a request the desk withdraws leaves it', async ({ browser, baseURL }) => {
  const code = await insideTicket(baseURL!);
  const contexts: BrowserContext[] = [];
  try {
    contexts.push(await deskContext(browser, baseURL!, MANAGER, 'en'));
    contexts.push(await deskContext(browser, baseURL!, CASHIER, 'en'));
    const [managerCtx, cashierCtx] = contexts;
    const boss = await managerCtx.newPage();
    const desk = await cashierCtx.newPage();
    await boss.goto('/front-desk/approvals');
    await expect(boss.getByTestId('approvals-screen')).toHaveAttribute('data-loading-state', 'loaded');
    await expect(boss.getByTestId('approvals-screen')).toHaveAttribute('data-live', 'live');
    await desk.goto('/front-desk/check-in');
    await askSupervisor(desk, code);
    await expect(boss.getByTestId('approvals-row')).toHaveCount(1);
    await expect(boss.getByTestId('approvals-row')).toContainText('anti-passback');
    await boss.screenshot({ path: shot('front-desk-approvals.en.png') });
    // Esc at the desk withdraws it: it leaves the manager's list by itself.
    await desk.keyboard.press('Escape');
    await expect(desk.getByTestId('checkin-override-dialog')).toHaveCount(0);
    await expect(boss.getByTestId('approvals-empty')).toBeVisible();
  } finally {
    for (const c of contexts) await c.close();
  }
});

test('the sell screen refetches places left when another channel sells, without waiting for its poll', async ({
  browser,
  baseURL,
}) => {
  // The demo cashier lands on the window with a shift open at WINDOW-1.
  const context = await deskContext(browser, baseURL!, 'frontdesk@demo.tidewatch', 'zh-CN');
  try {
    const page = await context.newPage();
    await page.goto('/front-desk/sell');
    const panel = page.getByTestId('sale-panel');
    await expect(panel).toHaveAttribute('data-catalog-state', 'loaded');
    await expect(panel).toHaveAttribute('data-catalog-live', 'live');
    const before = await panel.getAttribute('data-catalog-updated');
    const api = await playwrightRequest.newContext({ baseURL });
    await sellTickets(api, creds, 'CTRIP', 1);
    await api.dispose();
    // The fallback poll is a minute; the socket brings it within about a second.
    await expect(panel).not.toHaveAttribute('data-catalog-updated', before!, { timeout: 10_000 });
    await expect(page.getByTestId('sell-catalog-stale')).toHaveCount(0);
  } finally {
    await context.close();
  }
});
