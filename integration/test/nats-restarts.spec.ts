import assert from 'node:assert/strict';
import { PraasClient, type ProcessWatchEvent, type Subscription } from '@praas/framework/internal';
import { MAILBOX_FIXTURE_MODULE, startStack, type GatewayProcess, type HostProcess, type Stack } from '../src';

// Unique per run, although this suite always starts a nats-server of its own.
const APP = `restarts-${Date.now().toString(36)}`;
/**
 * The registry's JetStream calls time out after 10 s (NatsKvRegistry's default). A request left
 * hanging by a restart fails that long afterwards, so the stack is watched at least this long after
 * the last restart: before the fix the gateway died then (an unhandled NatsError TIMEOUT).
 */
const AFTERMATH_MS = 12_000;
/** What a caller may get while NATS is away: a retryable error with a code, never 500 INTERNAL. */
const OUTAGE_CODES = new Set(['UNAVAILABLE', 'NO_RESPONDERS', 'TIMEOUT', 'PROCESS_UNAVAILABLE']);

interface Answer {
  readonly status: number;
  readonly body: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A nats-server of our own, restarted three times, under a gateway and a runtime host running as
 * OS processes (issue 15, problems 1 and 7). The stack must outlive its message broker: no
 * process exits, requests during the outage get a retryable 503/504 with an error code, and once
 * NATS is back REST requests are served and watches deliver again.
 */
describe('nats-server restarts under a gateway and a host as OS processes', function () {
  this.timeout(300_000);
  let stack: Stack;
  let gateway: GatewayProcess;
  let host: HostProcess;

  const rest = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${gateway.httpUrl}${path}`, {
      method,
      headers: {
        authorization: gateway.authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      // A request the gateway never answers fails the test by itself rather than hanging it.
      signal: AbortSignal.timeout(60_000),
    });
    return { status: response.status, body: await response.text() };
  };
  const echo = (value: number): Promise<Answer> =>
    rest('POST', `/v1/apps/${APP}/invoke/echo?pid=steady&timeoutMs=5000`, value);

  /** Polls until the gateway serves an invocation end to end again (mocha's timeout bounds it). */
  const untilServing = async (): Promise<void> => {
    for (let i = 0; ; i++) {
      assertAlive();
      // While NATS is down the gateway may not answer at all: that counts as not serving yet.
      const answer = await echo(i).catch((e: unknown) => ({ status: 0, body: String(e) }));
      if (answer?.status === 200 && answer.body === String(i)) return;
      await sleep(200);
    }
  };

  /** Both OS processes run, and not thanks to their last-resort handlers: every loop handled its own failures. */
  const assertAlive = (): void => {
    assert.ok(gateway.alive(), `the gateway exited:\n${gateway.output()}`);
    assert.ok(host.alive(), `the host exited:\n${host.output()}`);
    for (const output of [gateway.output(), host.output()]) {
      assert.doesNotMatch(output, /unhandled promise rejection|uncaught exception/, output);
    }
  };

  before(async function () {
    stack = await startStack({
      name: 'nats-restarts',
      nats: { ownServer: true },
      swapDir: true,
      hosts: [{ app: APP, hostId: 'survivor', modulePath: MAILBOX_FIXTURE_MODULE, env: { PRAAS_HEARTBEAT_MS: '250' } }],
      // A busy down-scaling loop: it reads the registry four times a second, through every outage.
      gateways: [{ env: { PRAAS_DOWNSCALE_INTERVAL_MS: '250' } }],
    });
    [host] = stack.hosts as [HostProcess];
    [gateway] = stack.gateways as [GatewayProcess];
    assert.equal((await rest('POST', '/v1/apps', { name: APP })).status, 201);
    const created = await rest('POST', `/v1/apps/${APP}/processes`, { class: 'Receiver', pid: 'steady' });
    assert.equal(created.status, 201, created.body);
    await untilServing();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(stack?.outputs());
  });

  after(async function () {
    await stack?.stop();
  });

  it('stays up through three restarts without traffic, then serves REST requests and watches again', async function () {
    const events: ProcessWatchEvent[] = [];
    let watchEnded: Error | undefined | 'ended';
    const watch: Subscription = await new PraasClient({ url: gateway.httpUrl, token: gateway.token }).watchProcesses(
      APP,
      (event) => events.push(event),
      { onEnd: (failure) => (watchEnded = failure ?? 'ended') },
    );
    try {
      for (let round = 1; round <= 3; round++) {
        await stack.nats.restart();
        // Nobody calls: only the stack's own loops (heartbeats, watches, down-scaling) touch NATS.
        await sleep(round === 3 ? AFTERMATH_MS : 3_000);
        assertAlive();
      }
      await untilServing();
      const created = await rest('POST', `/v1/apps/${APP}/processes`, { class: 'Receiver', pid: 'after-restarts' });
      assert.equal(created.status, 201, created.body);
      // The watch opened before the restarts was re-established: it reports the new process.
      while (!events.some((e) => e.process.pid === 'after-restarts')) {
        assert.equal(watchEnded, undefined, 'the event stream ended');
        assertAlive();
        await sleep(50);
      }
      assertAlive();
    } finally {
      await watch.unsubscribe();
    }
  });

  it('stays up through three restarts under traffic, answering 503 or 504 with a code while NATS is away', async function () {
    const answers: Answer[] = [];
    let stop = false;
    // Three callers: invocations of an active process, mailbox messages, and registry reads.
    const running = (): boolean => !stop && gateway.alive();
    const callers = [
      (i: number) => echo(i),
      (i: number) => rest('POST', `/v1/apps/${APP}/processes/steady/messages`, { key: 'tick', data: i }),
      () => rest('GET', `/v1/apps/${APP}/processes`),
    ].map(async (call) => {
      for (let i = 0; running(); i++) {
        try {
          answers.push(await call(i));
        } catch (e) {
          answers.push({ status: 0, body: e instanceof Error ? e.message : String(e) });
        }
        await sleep(20);
      }
    });
    try {
      for (let round = 1; round <= 3; round++) {
        await stack.nats.restart();
        await untilServing();
        assertAlive();
      }
      await sleep(AFTERMATH_MS);
      assertAlive();
    } finally {
      stop = true;
      await Promise.all(callers);
    }
    const failures = answers.filter((a) => a.status >= 300 || a.status === 0);
    const unexpected = failures.filter((a) => {
      if (a.status !== 503 && a.status !== 504) return true;
      const code = (JSON.parse(a.body) as { error?: { code?: string } }).error?.code;
      return code === undefined || !OUTAGE_CODES.has(code);
    });
    assert.deepEqual(
      unexpected,
      [],
      `of ${answers.length} requests ${failures.length} failed; these not with a retryable 503/504`,
    );
    assert.ok(answers.length > failures.length, 'no request succeeded');
    await untilServing();
    assertAlive();
  });
});
