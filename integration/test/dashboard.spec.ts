import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { http, type HttpResult } from '@praas/test-services';
import { parseSchedule } from '@praas/framework/internal';
import { NatsKvTimerStore } from '@praas/framework/nats';
import { newToken } from '@praas/gateway';
import type { Page } from 'playwright-core';
import {
  chromiumMissing,
  launchChromium,
  makeTestTokens,
  OBSERVE_FIXTURE_MODULE,
  startStack,
  type GatewayProcess,
  type HeadlessChromium,
  type Stack,
  type TestTokens,
} from '../src';

const REPO = resolve(__dirname, '..', '..', '..');
/** Where the screenshots go as test artifacts (PRAAS_TEST_ARTIFACTS, default integration/artifacts). */
const ARTIFACTS = process.env['PRAAS_TEST_ARTIFACTS'] ?? join(REPO, 'integration', 'artifacts');
/** Set to 1 to refresh the README's screenshot, docs/dashboard.png, from this run. */
const UPDATE_DOCS = process.env['PRAAS_DOCS_SCREENSHOT'] === '1';

describe('the /ui dashboard in headless Chromium (gateway and two hosts as OS processes)', function () {
  this.timeout(180_000);
  const app = 'shop';
  let stack: Stack;
  let tokens: TestTokens;
  let gateway: GatewayProcess;
  let browser: HeadlessChromium;
  let page: Page;
  let pid: string;
  /** Every right on the application, but not admin: it may not inspect state. */
  const operator = newToken('shop-operator', [`app:${app}:*`]);

  /** A REST call with the gateway's admin token. */
  const call = (method: string, path: string, body?: unknown): Promise<HttpResult> =>
    http(gateway.httpUrl, method, path, {
      headers: { authorization: gateway.authorization },
      ...(body === undefined ? {} : { body }),
    });
  const invoke = async (fn: string, target: string, body: unknown): Promise<void> => {
    const r = await call('POST', `/v1/apps/${app}/invoke/${fn}?pid=${target}`, body);
    assert.ok(r.status === 200 || r.status === 204, `${fn} on ${target}: ${r.status} ${r.text}`);
  };
  const row = (target: string, status: string): string => `tr[data-pid="${target}"][data-status="${status}"]`;

  before(async function () {
    const missing = chromiumMissing();
    if (missing) {
      console.warn(`    dashboard suite skipped: ${missing}`);
      this.skip();
    }
    tokens = makeTestTokens([operator.entry]);
    stack = await startStack({
      name: 'ui',
      s3: true,
      hosts: ['h1', 'h2'].map((hostId) => ({ app, hostId, modulePath: OBSERVE_FIXTURE_MODULE })),
      gateways: [{ tokens }],
    });
    gateway = stack.gateways[0]!;
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => console.warn('    page error:', e));
    page.on('console', (m) => {
      // The refused calls before sign-in are expected; anything else the page complains about is shown.
      if (m.type() === 'error' && !m.text().includes('401')) console.warn('    page console:', m.text());
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    try {
      await stack?.stop();
    } finally {
      tokens?.remove();
    }
  });

  it('GET / leads to the page, which asks for a token and then shows the application', async () => {
    const response = await page.goto(`${gateway.httpUrl}/`);
    assert.equal(response?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/ui');
    await page.locator('form.login input[name="token"]').fill('praas_nobody.not-a-token');
    await page.locator('form.login button[type="submit"]').click();
    await page.locator('form.login .form-error', { hasText: 'not valid' }).waitFor();
    await page.locator('form.login input[name="token"]').fill(gateway.token);
    await page.locator('form.login button[type="submit"]').click();
    await page.locator('.app-view h1', { hasText: app }).waitFor();
    await page.locator('.processes .live.live').waitFor();
    assert.equal(await page.evaluate('sessionStorage.getItem("praas-token")'), gateway.token);
    await page.locator('.hosts tr[data-host="h1"]').waitFor();
    await page.locator('.hosts tr[data-host="h2"]').waitFor();
  });

  it('lists a process created over REST, and shows it swapped out live, without reloading', async () => {
    // A mark on the window: it is still there at the end only if the page never reloaded.
    await page.evaluate('window.praasTestMark = 17');
    const created = await call('POST', `/v1/apps/${app}/processes`, { class: 'Cart' });
    assert.equal(created.status, 201, created.text);
    pid = (created.json as { pid: string }).pid;
    await invoke('add', pid, 'apple');
    await invoke('remember', pid, { key: 'customer', value: { name: 'Ada', tier: 'gold' } });
    await page.locator(row(pid, 'active')).waitFor();
    const swapped = await call('POST', `/v1/apps/${app}/processes/${pid}/swap`);
    assert.equal(swapped.status, 200, swapped.text);
    await page.locator(row(pid, 'swapped')).waitFor();
    assert.equal(await page.locator(`${row(pid, 'swapped')} .status`).innerText(), 'swapped');
    assert.equal(await page.evaluate('window.praasTestMark'), 17, 'the page did not reload');
  });

  it("opens the process's page: its state from the snapshot while swapped out, live once it is back", async () => {
    await page.locator(`tr[data-pid="${pid}"] a`).click();
    const inspector = page.locator('.inspector');
    await inspector.locator('[data-source="snapshot"]').waitFor();
    assert.match(await inspector.locator('tr[data-field="items"]').innerText(), /"apple"/);
    assert.match(await inspector.locator('tr[data-key="customer"]').innerText(), /Ada/);
    assert.equal(await page.locator('dd[data-fact="status"]').innerText(), 'swapped');
    await invoke('add', pid, 'pear');
    await page.locator('.view-head .status-active').waitFor();
    await inspector.locator('[data-source="live"]').waitFor();
    assert.match(await inspector.locator('tr[data-field="items"]').innerText(), /"apple",\s*"pear"/);
    // An unread message and a pending multi-source call, then a fresh read.
    await invoke('leaveNote', pid, 'call me back');
    await invoke('contribute', pid, { round: 'r1', n: 2 });
    await page.locator('.view-head button', { hasText: 'Refresh state' }).click();
    await inspector.locator('[data-mailbox-depth="1"]').waitFor();
    assert.match(await inspector.innerText(), /call me back/);
    assert.match(await inspector.innerText(), /gather/);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-process.png'), fullPage: true });
  });

  it("lists the process's durable timers with next due, schedule and attempts, and cancels one", async () => {
    // Written to the store the gateway reads, as the hosts' ctx.schedule writes them.
    const timers = await NatsKvTimerStore.connect({ servers: stack.nats.url });
    try {
      const now = Date.now();
      for (const [id, spec, attempt] of [
        ['nightly', { cron: '0 3 * * *', tz: 'Europe/Berlin' }, 2],
        ['reminder', { afterMs: 600_000 }, 0],
      ] as const)
        await timers.put({
          app,
          pid,
          id,
          fn: 'add',
          data: new Uint8Array(9),
          schedule: parseSchedule(spec, now),
          dueAt: now + 600_000,
          attempt,
          createdAt: now,
        });
      const panel = page.locator('.timers');
      await panel.locator('button', { hasText: 'Refresh timers' }).click();
      await panel.locator('[data-timer-count="2"]').waitFor();
      const nightly = panel.locator('tr[data-timer="nightly"]');
      assert.match(await nightly.innerText(), /cron 0 3 \* \* \* \(Europe\/Berlin\)/);
      assert.match(await nightly.innerText(), /in 10 min/);
      assert.equal(await nightly.locator('[data-attempt]').innerText(), '2');
      await panel.locator('tr[data-timer="reminder"] button', { hasText: 'Cancel' }).click();
      await panel.locator('[data-timer-count="1"]').waitFor();
      assert.equal(await timers.get(app, pid, 'reminder'), undefined);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-timers.png'), fullPage: true });
      // The application's page counts its pending timers (from one page of them).
      await page.goto(`${gateway.httpUrl}/ui#/apps/${app}`);
      await page.locator('[data-figure="pending timers"] strong', { hasText: /^1$/ }).waitFor();
      await page.goBack();
      await panel.locator('tr[data-timer="nightly"]').waitFor();
    } finally {
      await timers.close();
    }
  });

  it('tells a token without the admin scope that inspecting state needs one, and signs in again from there', async () => {
    // A tab of its own: sessionStorage, and so the token, belongs to one tab.
    const tab = await browser.context.newPage();
    try {
      await tab.goto(`${gateway.httpUrl}/ui#/apps/${app}/processes/${pid}`);
      await tab.locator('form.login input[name="token"]').fill(operator.token);
      await tab.locator('form.login button[type="submit"]').click();
      // The token reads the process itself; only its state is refused, and the page says why.
      await tab.locator('dd[data-fact="class"]', { hasText: 'Cart' }).waitFor();
      const notice = tab.locator('.inspector [data-needs="admin"]');
      await notice.waitFor();
      assert.match(await notice.innerText(), /State inspection needs an admin token/);
      assert.match(await notice.innerText(), /needs the scope 'admin'/);
      assert.equal(await tab.locator('.inspector [data-source]').count(), 0);
      await tab.screenshot({ path: join(ARTIFACTS, 'dashboard-needs-admin.png'), fullPage: true });
      await notice.locator('button', { hasText: 'Sign in with an admin token' }).click();
      await tab.locator('form.login .form-error', { hasText: "needs a token with the 'admin' scope" }).waitFor();
      await tab.locator('form.login input[name="token"]').fill(gateway.token);
      await tab.locator('form.login button[type="submit"]').click();
      await tab.locator('.inspector [data-source="live"]').waitFor();
      assert.match(await tab.locator('.inspector tr[data-field="items"]').innerText(), /"apple",\s*"pear"/);
    } finally {
      await tab.close();
    }
  });

  it('charts the traffic from the metrics; the overview is saved as a screenshot', async () => {
    const pids = [pid];
    for (let i = 0; i < 7; i++) {
      const made = await call('POST', `/v1/apps/${app}/processes`, { class: 'Cart' });
      assert.equal(made.status, 201, made.text);
      pids.push((made.json as { pid: string }).pid);
    }
    await page.goto(`${gateway.httpUrl}/ui#/apps/${app}`);
    // Traffic across a few scrapes (one every 5 s), so the charts have lines to draw; three processes swapped out halfway.
    const [busy, idle] = [pids.slice(0, 5), pids.slice(5)];
    for (let round = 0; round < 6; round++) {
      for (const [i, target] of (round < 3 ? pids : busy).entries()) await invoke('add', target, `item-${round}-${i}`);
      if (round === 3)
        for (const target of idle) {
          const r = await call('POST', `/v1/apps/${app}/processes/${target}/swap`);
          assert.equal(r.status, 200, r.text);
        }
      await new Promise((r) => setTimeout(r, 2_500));
    }
    await page.locator('.chart .series.tone-1 path').first().waitFor();
    for (const target of idle) await page.locator(row(target, 'swapped')).waitFor();
    const shot = await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    assert.ok(shot.length > 10_000, 'a screenshot with content');
    if (UPDATE_DOCS) {
      mkdirSync(join(REPO, 'docs'), { recursive: true });
      await page.screenshot({ path: join(REPO, 'docs', 'dashboard.png'), fullPage: true });
    }
    console.log(`    screenshots in ${ARTIFACTS}`);
  });
});
