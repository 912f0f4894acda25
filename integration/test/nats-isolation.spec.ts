import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { headers, StorageType, type JetStreamManager, type Status } from 'nats';
import {
  ADMIN_NATS_USER,
  activationSubject,
  appInboxPrefix,
  appNatsCredentials,
  backupStreamName,
  backupSubject,
  backupSubjectsOf,
  gatewayNatsCredentials,
  hostSubject,
  natsPassword,
  parseSchedule,
  PraasClient,
  PraasError,
  processSubject,
  renderNatsServerConfig,
  UnauthenticatedError,
  type NatsCredentials,
  type ProcessRecord,
  type TimerRecord,
} from '@praas/framework/internal';
import { connectNats, NatsKvRegistry, NatsKvTimerStore, NatsTransport } from '@praas/framework/nats';
import { until } from './support/cli';
import {
  ISOLATION_FIXTURE_MODULE,
  spawnGateway,
  STACK_FIXTURE_MODULE,
  startNats,
  startStack,
  type GatewayProcess,
  type Stack,
} from '../src';

/**
 * Issue 18, item 3: applications isolated on NATS. A real nats-server runs the configuration
 * `praas-framework nats config` writes; a gateway and one host per application run as OS processes
 * with their credentials. A client holding application A's credentials attacks B: every attempt
 * fails with the server's permissions error (not a timeout), and A's own stack keeps working.
 */
describe('NATS isolation: one user per application on a nats-server with the generated configuration', function () {
  this.timeout(120_000);
  const stamp = Date.now().toString(36);
  const appA = `iso-a-${stamp}`;
  const appB = `iso-b-${stamp}`;
  const secret = randomBytes(24).toString('base64url');
  const credsA = appNatsCredentials({ secret }, appA);
  const credsB = appNatsCredentials({ secret }, appB);
  const natsEnv = (c: NatsCredentials): Record<string, string> => ({
    PRAAS_NATS_USER: c.user,
    PRAAS_NATS_PASSWORD: c.password,
  });
  let stack: Stack;
  let gateway: GatewayProcess;
  let client: PraasClient;
  /** A process of B, placed on B's host, and its record as the gateway saw it. */
  let pidB: string;
  let hostB: string;
  /** The attacker: a connection holding A's credentials, as A's hosts have them. */
  let attacker: NatsTransport;
  let registry: NatsKvRegistry;
  /** The timer store as A's hosts open it (with A's user), and a timer of B written by the operator's admin. */
  let timers: NatsKvTimerStore;
  let timerB: TimerRecord;
  let timerBRevision: number;
  const refusals: Status[] = [];

  before(async function () {
    stack = await startStack({
      name: 'nats-iso',
      s3: true,
      nats: { config: renderNatsServerConfig({ secret, apps: [appA, appB] }) },
    });
    // The gateway first: it creates the registry buckets, which the applications' users may not.
    gateway = await spawnGateway({
      natsUrl: stack.nats.url,
      env: { ...stack.s3Env, ...natsEnv(gatewayNatsCredentials({ secret })), PRAAS_TIMER_SWEEP_MS: '500' },
    });
    client = new PraasClient({ url: gateway.httpUrl, token: gateway.token });
    await client.createApp(appA);
    await client.createApp(appB);
    await Promise.all([
      stack.spawnHost({ app: appA, hostId: `${appA}-h1`, modulePath: ISOLATION_FIXTURE_MODULE, env: natsEnv(credsA) }),
      stack.spawnHost({ app: appB, hostId: `${appB}-h1`, modulePath: STACK_FIXTURE_MODULE, env: natsEnv(credsB) }),
    ]);
    const created = await client.createProcess(appB, { processClass: 'Tally' });
    pidB = created.pid;
    hostB = created.host!;
    assert.equal(await client.invoke(appB, 'add', 40, { pid: pidB }), 40);
    attacker = await NatsTransport.connect({
      servers: stack.nats.url,
      name: 'attacker-with-a-credentials',
      user: credsA.user,
      password: credsA.password,
      inboxPrefix: credsA.inboxPrefix!,
    });
    void (async () => {
      for await (const s of attacker.connection.status()) if (s.permissionContext) refusals.push(s);
    })();
    registry = await NatsKvRegistry.open(attacker.connection);
    timers = await NatsKvTimerStore.open(attacker.connection);
    const admin = await NatsKvTimerStore.connect({
      servers: stack.nats.url,
      user: ADMIN_NATS_USER,
      password: natsPassword(secret, ADMIN_NATS_USER),
    });
    try {
      const now = Date.now();
      timerB = {
        app: appB,
        pid: pidB,
        id: 'nightly',
        fn: 'add',
        data: new Uint8Array([1]),
        schedule: parseSchedule({ afterMs: 3_600_000 }, now),
        dueAt: now + 3_600_000,
        attempt: 0,
        createdAt: now,
      };
      timerBRevision = await admin.put(timerB);
    } finally {
      await admin.close();
    }
  });

  after(async function () {
    await timers?.close();
    await registry?.close();
    await attacker?.close();
    await client?.close();
    await gateway?.stop();
    await stack?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`${gateway.output()}\n${stack.outputs()}`);
  });

  /** The failure nats-server gives for a subject outside the user's permissions, naming the subject. */
  const refused =
    (subject: string) =>
    (e: unknown): boolean => {
      assert.ok(e instanceof PraasError, `a PraasError, got ${String(e)}`);
      assert.equal(e.code, 'PERMISSION_DENIED', e.message);
      assert.ok(e.message.includes(subject), `'${e.message}' names ${subject}`);
      return true;
    };
  const bytes = new Uint8Array([1, 2, 3]);
  const recordOfB = (): ProcessRecord => ({
    app: appB,
    pid: pidB,
    processClass: 'Tally',
    status: 'deleted',
    generation: 99,
    updatedAt: Date.now(),
  });

  it("runs A's own stack with A's credentials: create, invoke, swap out and back in", async () => {
    const { pid } = await client.createProcess(appA, { processClass: 'Tally' });
    assert.equal(await client.invoke(appA, 'add', 5, { pid }), 5);
    assert.equal((await client.swapProcess(appA, pid)).status, 'swapped');
    // Into the backup queue of the swapped-out process; its host drains it at swap-in with A's user.
    await client.send(appA, pid, 'note', 'while swapped');
    assert.equal(await client.invoke(appA, 'add', 2, { pid }), 7, 'swapped in with its state');
    assert.equal((await client.getProcess(appA, pid)).status, 'active');
    // A's user reads and writes A's own registry entries and serves A's subjects.
    assert.equal((await registry.getProcess(appA, pid))?.status, 'active');
    assert.ok((await registry.listHosts(appA)).some((h) => h.id === `${appA}-h1`));
    const sub = await attacker.serve(processSubject(appA, 'probe'), (data) => Promise.resolve(data));
    const echo = await attacker.request(processSubject(appA, 'probe'), bytes, { timeoutMs: 5_000 });
    assert.deepEqual([...echo], [...bytes]);
    await sub.unsubscribe();
    // Nothing the hosts and the gateway did was refused.
    const logs = `${gateway.output()}\n${stack.outputs()}`;
    assert.ok(!/nats-server refused|Permissions Violation/.test(logs), logs);
  });

  it("fires A's durable timers with A's credentials: scheduled by a process, listed by the gateway, then gone", async () => {
    const { pid } = await client.createProcess(appA, { processClass: 'Alarm' });
    const plan = (key: string, afterMs: number): Promise<unknown> =>
      client.invoke(appA, 'plan', { fn: 'ring', data: key, options: { afterMs, key } }, { pid });
    assert.equal(await plan('iso', 4_000), 'iso');
    const listed = await client.listTimers(appA, { pid });
    assert.deepEqual(
      listed.timers.map((t) => [t.id, t.fn, t.attempt]),
      [['iso', 'ring', 0]],
    );
    // Another one, cancelled by the process before it is due (ctx.cancel deletes with A's user).
    await plan('never', 2_000);
    assert.equal(await client.invoke(appA, 'cancel', 'never', { pid }), true);
    const report = (): Promise<{ fired: Record<string, number> }> =>
      client.invoke<{ fired: Record<string, number> }>(appA, 'report', null, { pid });
    await until(
      'the firing of the timer',
      async () => ((await report()).fired.iso === 1 ? true : undefined),
      60_000,
      250,
    );
    assert.deepEqual((await report()).fired, { iso: 1 }, 'the cancelled timer never fired');
    // A fired one-shot timer is deleted, with its due-index entry, by the firer (A's user).
    await until('the fired timer gone', async () =>
      (await client.listTimers(appA, { pid })).timers.length === 0 ? true : undefined,
    );
    // The firer moves A's cursor past the slot it fired from, and forgets the slots it passed.
    const slot = Math.floor(listed.timers[0]!.dueAtMs / 5_000);
    const bucket = await attacker.connection.jetstream().views.kv('praas_timers');
    await until(
      "A's due cursor past the fired timer's slot",
      async () => {
        const cursor = await bucket.get(`c.${appA}`);
        return cursor && (cursor.json<{ slot: number }>().slot > slot ? true : undefined);
      },
      60_000,
      250,
    );
    // A's user may not purge: the deletion markers its deletes left go with the gateway's sweep.
    const admin = await connectNats({
      servers: stack.nats.url,
      user: ADMIN_NATS_USER,
      password: natsPassword(secret, ADMIN_NATS_USER),
    });
    try {
      const jsm = await admin.jetstreamManager();
      const keys = [`t.${appA}.${pid}.iso`, `t.${appA}.${pid}.never`, `d.${appA}.${slot}.${pid}.iso`];
      await until(
        'the deletion markers of the fired and the cancelled timer swept',
        async () => {
          const left = await Promise.all(
            keys.map((key) =>
              jsm.streams.getMessage('KV_praas_timers', { last_by_subj: `$KV.praas_timers.${key}` }).then(
                () => key,
                (e: Error) => (e.message.includes('no message found') ? undefined : Promise.reject(e)),
              ),
            ),
          );
          return left.every((key) => key === undefined) ? true : undefined;
        },
        30_000,
        250,
      );
    } finally {
      await admin.close();
    }
    const logs = `${gateway.output()}\n${stack.outputs()}`;
    assert.ok(!/nats-server refused|Permissions Violation|PERMISSION_DENIED/.test(logs), logs);
  });

  it("cannot publish into B's process subjects, host control subject or activation subject", async () => {
    for (const subject of [processSubject(appB, pidB), hostSubject(appB, hostB), activationSubject(appB)])
      await assert.rejects(attacker.request(subject, bytes, { timeoutMs: 5_000 }), refused(subject));
    // A bare publish gets no answer: the server reports the violation on the connection.
    const subject = processSubject(appB, pidB);
    await attacker.publish(subject, bytes);
    await attacker.connection.flush();
    assert.ok(
      refusals.some((s) => s.permissionContext?.operation === 'publish' && s.permissionContext.subject === subject),
      JSON.stringify(refusals.map((s) => s.permissionContext)),
    );
  });

  it("cannot subscribe to B's subjects, B's inboxes or the gateway's", async () => {
    for (const subject of [
      processSubject(appB, pidB),
      `praas.${appB}.>`,
      activationSubject(appB),
      `${appInboxPrefix(appB)}.>`,
      '_INBOX.>',
      'praas.>',
    ])
      await assert.rejects(
        attacker.serve(subject, (data) => Promise.resolve(data)),
        refused(subject),
      );
  });

  it("cannot read or write B's registry entries, nor list the applications", async () => {
    await assert.rejects(registry.getProcess(appB, pidB), refused(`$KV.praas_processes.${appB}.${pidB}`));
    await assert.rejects(registry.putProcess(recordOfB()), refused(`$KV.praas_processes.${appB}.${pidB}`));
    await assert.rejects(registry.deleteProcess(appB, pidB), refused(`$KV.praas_processes.${appB}.${pidB}`));
    await assert.rejects(registry.listProcesses(appB), refused(`$KV.praas_processes.${appB}.>`));
    await assert.rejects(
      registry.watchProcesses(appB, () => undefined),
      refused(`$KV.praas_processes.${appB}.>`),
    );
    await assert.rejects(registry.getApp(appB), refused(`$KV.praas_apps.${appB}`));
    await assert.rejects(
      registry.putApp({ name: appB, incarnation: 'forged', createdAt: 0, processClasses: [] }),
      refused(`$KV.praas_apps.${appB}`),
    );
    await assert.rejects(registry.listApps(), refused('$KV.praas_apps.>'));
    await assert.rejects(registry.listHosts(appB), refused(`$KV.praas_hosts.${appB}.>`));
  });

  it("cannot read, write, list, watch or claim B's timers or due index, nor purge the timer bucket", async () => {
    const record = (id: string): string => `$KV.praas_timers.t.${appB}.${pidB}.${id}`;
    const { id } = timerB;
    await assert.rejects(timers.get(appB, pidB, id), refused(record(id)));
    await assert.rejects(timers.put({ ...timerB, id: 'forged' }), refused(record('forged')));
    await assert.rejects(timers.update({ ...timerB, dueAt: Date.now() }, timerBRevision), refused(record(id)));
    await assert.rejects(timers.delete(appB, pidB, id), refused(record(id)));
    await assert.rejects(
      timers.claim(appB, pidB, id, timerBRevision, { owner: 'attacker', leaseMs: 60_000 }),
      refused(record(id)),
    );
    await assert.rejects(timers.list(appB, pidB), refused(`$KV.praas_timers.t.${appB}.${pidB}.>`));
    await assert.rejects(timers.listPage(appB), refused(`$KV.praas_timers.t.${appB}.>`));
    await assert.rejects(timers.due(appB, timerB.dueAt, 10), refused(`$KV.praas_timers.c.${appB}`));
    // The keys themselves, past the store's checks: the record's compare-and-set (a claim), the due index.
    const bucket = await attacker.connection.jetstream().views.kv('praas_timers');
    const violation = (subject: string) => (e: Error) =>
      e.message.includes('Permissions Violation') && e.message.includes(subject);
    const indexKey = `d.${appB}.${Math.floor(timerB.dueAt / 5_000)}.${pidB}.${id}`;
    await assert.rejects(bucket.update(`t.${appB}.${pidB}.${id}`, bytes, timerBRevision), violation(record(id)));
    await assert.rejects(bucket.get(indexKey), violation(`$KV.praas_timers.${indexKey}`));
    await assert.rejects(bucket.put(indexKey, bytes), violation(`$KV.praas_timers.${indexKey}`));
    await assert.rejects(bucket.delete(indexKey), violation(`$KV.praas_timers.${indexKey}`));
    await assert.rejects(bucket.put(`c.${appB}`, bytes), violation(`$KV.praas_timers.c.${appB}`));
    // A watch or a key listing is a consumer: unnamed (nats.js's own), or named with B's keys as its filter.
    const jsm = await attacker.connection.jetstreamManager({ checkAPI: false });
    const createConsumer = '$JS.API.CONSUMER.CREATE.KV_praas_timers';
    await assert.rejects(bucket.watch({ key: `d.${appB}.>` }), violation(createConsumer));
    await assert.rejects(bucket.keys(`d.${appB}.>`), violation(createConsumer));
    await assert.rejects(
      jsm.consumers.add('KV_praas_timers', { name: 'peek', filter_subject: `$KV.praas_timers.d.${appB}.>` }),
      violation(`${createConsumer}.peek.$KV.praas_timers.d.${appB}.>`),
    );
    // A purge names its filter in the request body, which permissions cannot see: no application may purge.
    await assert.rejects(
      jsm.streams.purge('KV_praas_timers', { filter: `$KV.praas_timers.t.${appB}.>` }),
      violation('$JS.API.STREAM.PURGE.KV_praas_timers'),
    );
    // B's timer is as the operator wrote it: unclaimed, due at its time.
    const { timers: listed } = await client.listTimers(appB);
    assert.deepEqual(
      listed.map((t) => [t.id, t.dueAtMs, t.attempt, t.lease]),
      [[id, timerB.dueAt, 0, undefined]],
    );
  });

  it("cannot read, append to or consume B's backup queue, nor make a stream capture B's subjects", async () => {
    const stream = backupStreamName(appB);
    await assert.rejects(attacker.backup.read(appB, pidB, 0, 10), refused(stream));
    await assert.rejects(attacker.backup.append(appB, pidB, 'forged-1', bytes), refused(stream));
    await assert.rejects(attacker.backup.purge(appB, pidB), refused(stream));
    await assert.rejects(
      attacker.backup.watch(appB, pidB, () => undefined),
      refused(backupSubject(appB, pidB)),
    );
    const js = attacker.connection.jetstream();
    await assert.rejects(js.publish(backupSubject(appB, pidB), bytes), (e: Error) =>
      e.message.includes(`Permissions Violation for Publish to "${backupSubject(appB, pidB)}"`),
    );
    const jsm: JetStreamManager = await attacker.connection.jetstreamManager({ checkAPI: false });
    await assert.rejects(jsm.consumers.add(stream, { filter_subject: backupSubject(appB, pidB) }), (e: Error) =>
      e.message.includes('Permissions Violation'),
    );
    // A stream of A's own name that would capture B's traffic: stream creation is the gateway's.
    await assert.rejects(
      jsm.streams.add({
        name: backupStreamName(appA),
        subjects: [backupSubjectsOf(appB)],
        storage: StorageType.Memory,
      }),
      (e: Error) => e.message.includes(`Permissions Violation for Publish to "$JS.API.STREAM.CREATE.`),
    );
  });

  it("cannot purge the shared buckets with a rollup header on one of A's own keys", async () => {
    const h = headers();
    h.set('Nats-Rollup', 'all');
    await assert.rejects(
      attacker.connection.jetstream().publish(`$KV.praas_processes.${appA}.rollup`, bytes, { headers: h }),
      (e: Error) => e.message.includes('rollup not permitted'),
    );
    // B is untouched by all of the above: its record, its state.
    const back = await client.getProcess(appB, pidB);
    assert.equal(back.status, 'active');
    assert.equal(await client.invoke(appB, 'get', null, { pid: pidB }), 40);
  });

  it("keeps A's stack working through a restart of nats-server, reconnecting with its credentials", async () => {
    const { pid } = await client.createProcess(appA, { processClass: 'Tally' });
    assert.equal(await client.invoke(appA, 'add', 1, { pid }), 1);
    await stack.nats.restart();
    // Until NATS and its JetStream are back, calls fail with a retryable error: try again.
    await until(
      'a swap out through the registry after the restart',
      () =>
        client.swapProcess(appA, pid).then(
          (p) => p.status,
          () => undefined,
        ),
      60_000,
      250,
    );
    assert.equal(await client.invoke(appA, 'add', 1, { pid }), 2, 'swapped in with its state');
    const logs = `${gateway.output()}\n${stack.outputs()}`;
    assert.match(stack.outputs(), /reconnected to NATS/);
    assert.ok(!/nats-server refused|Permissions Violation/.test(logs), logs);
  });

  it("tells an application's host that comes before any gateway to start one: it may not create the buckets", async () => {
    const fresh = await startNats({ config: renderNatsServerConfig({ secret, apps: [appA] }) });
    try {
      await assert.rejects(
        NatsKvRegistry.connect({
          servers: fresh.url,
          user: credsA.user,
          password: credsA.password,
          inboxPrefix: credsA.inboxPrefix!,
        }),
        (e: unknown) =>
          e instanceof PraasError &&
          e.code === 'PERMISSION_DENIED' &&
          e.message.includes('$JS.API.STREAM.CREATE.KV_praas_') &&
          e.message.includes('start one first'),
      );
    } finally {
      await fresh.stop();
    }
  });

  it('refuses a wrong password, naming the user', async () => {
    await assert.rejects(
      NatsTransport.connect({ servers: stack.nats.url, user: credsA.user, password: 'wrong', connectTimeoutMs: 3_000 }),
      (e: unknown) => e instanceof UnauthenticatedError && e.message.includes(credsA.user),
    );
  });
});
