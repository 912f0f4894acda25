import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import {
  activationSubject,
  ANY,
  decodeControl,
  decodeEnvelope,
  Fn,
  hostSubject,
  processSubject,
  MemoryRegistry,
  MemoryTransport,
  Process,
  State,
  type BackupQueue,
  type Context,
  type RequestHandler,
  type RequestOptions,
  type ServeOptions,
  type Subscription,
  type Transport,
} from '@praas/framework/internal';
import { ControlPlane, Gateway, loadGatewayService, RegisteredHostProvider } from '@praas/gateway';
import { FsSwapStore, RuntimeHost, type DataPlaneOption } from '@praas/runtime';
import { http, jsonBytes, parseJsonBytes } from '@praas/test-services';

/** Relays a request to a process on the other host: a message, then an invocation that reads it. */
@Process()
class Front {
  @Fn() async relay(target: string, ctx: Context): Promise<number> {
    await ctx.send(target, 'note', 7);
    return ctx.invoke<number>(target, 'take', null);
  }

  @Fn() broken(): never {
    throw new TypeError('the parcel is not there');
  }
}

@Process()
class Back {
  @Fn() async take(_: unknown, ctx: Context): Promise<number> {
    return (await ctx.recv<number>(ANY, 'note', { timeoutMs: 5_000 })).data * 6;
  }
}

/** Commits its state before each call answers: every call writes a checkpoint. */
@Process({ durability: 'call' })
class Tally {
  @State() total = 0;

  @Fn() add(n: number): number {
    return (this.total += n);
  }
}

const APP = 'traced';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`;
/** Where the application's process and host subjects start. */
const PROCESS_SUBJECTS = processSubject(APP, 'x').slice(0, -1);
const HOST_SUBJECTS = hostSubject(APP, 'x').slice(0, -1);

/** What went over the transport: envelopes to processes (live or queued) and control requests. */
interface Recorded {
  readonly kind: 'envelope' | 'control';
  readonly data: Uint8Array;
}

/** A transport that keeps a copy of each envelope and control request it carries. */
class RecordingTransport implements Transport {
  readonly recorded: Recorded[] = [];
  readonly backup: BackupQueue;

  constructor(private readonly inner: MemoryTransport) {
    const queue = inner.backup;
    this.backup = {
      append: (app, pid, id, data) => {
        this.recorded.push({ kind: 'envelope', data });
        return queue.append(app, pid, id, data);
      },
      read: (app, pid, afterSeq, max) => queue.read(app, pid, afterSeq, max),
      trim: (app, pid, uptoSeq) => queue.trim(app, pid, uptoSeq),
      purge: (app, pid) => queue.purge(app, pid),
      watch: (app, pid, onAppend) => queue.watch(app, pid, onAppend),
    };
  }

  serve(subject: string, handler: RequestHandler, options?: ServeOptions): Promise<Subscription> {
    return this.inner.serve(subject, handler, options);
  }

  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<Uint8Array> {
    if (subject.startsWith(PROCESS_SUBJECTS)) this.recorded.push({ kind: 'envelope', data });
    else if (subject === activationSubject(APP) || subject.startsWith(HOST_SUBJECTS))
      this.recorded.push({ kind: 'control', data });
    return this.inner.request(subject, data, options);
  }

  publish(subject: string, data: Uint8Array): Promise<void> {
    return this.inner.publish(subject, data);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A gateway in front of two runtime hosts of one application, in this process, on a memory transport. */
class TwoHostStack {
  readonly transport = new RecordingTransport(new MemoryTransport());
  readonly registry = new MemoryRegistry();
  readonly dir = mkdtempSync(join(tmpdir(), 'praas-trace-'));
  readonly hosts: RuntimeHost[];
  readonly plane: ControlPlane;
  readonly gateway: Gateway;
  httpUrl = '';
  grpcAddress = '';

  constructor(dataPlane: DataPlaneOption = 'nats') {
    const store = new FsSwapStore(this.dir);
    const processes = [Front, Back, Tally];
    const base = { app: APP, processes, transport: this.transport, registry: this.registry, store, dataPlane };
    this.hosts = ['host-a', 'host-b'].map((hostId) => new RuntimeHost({ ...base, hostId, heartbeatMs: 60_000 }));
    this.plane = new ControlPlane({
      transport: this.transport,
      registry: this.registry,
      provider: new RegisteredHostProvider(this.registry),
    });
    this.gateway = new Gateway({ controlPlane: this.plane, stopGraceMs: 1_000 });
  }

  async start(): Promise<void> {
    for (const host of this.hosts) await host.start();
    const addresses = await this.gateway.start({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
    this.httpUrl = addresses.httpUrl;
    this.grpcAddress = addresses.grpcAddress;
    await this.plane.createApp(APP);
  }

  async stop(): Promise<void> {
    await this.gateway.stop();
    for (const host of this.hosts) await host.stop({ swapOut: false });
    await this.registry.close();
    await this.transport.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The one span named `name` (fails naming the spans there are when there is none or several). */
function only(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `one span '${name}' among ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

function assertChild(child: ReadableSpan, parent: ReadableSpan): void {
  assert.equal(
    child.spanContext().traceId,
    parent.spanContext().traceId,
    `${child.name} in the trace of ${parent.name}`,
  );
  assert.equal(
    child.parentSpanContext?.spanId,
    parent.spanContext().spanId,
    `${child.name} is a child of ${parent.name}`,
  );
}

describe('tracing with OpenTelemetry', () => {
  let stack: TwoHostStack;
  beforeEach(async () => {
    stack = new TwoHostStack();
    await stack.start();
  });
  afterEach(async () => stack.stop());

  /** Creates a Front on one host and a Back on the other; both active. */
  async function spread(): Promise<{ front: string; back: string }> {
    const front = await stack.plane.createProcess(APP, { processClass: 'Front' });
    const back = await stack.plane.createProcess(APP, { processClass: 'Back' });
    assert.notEqual(front.host, back.host, 'the two processes run on different hosts');
    return { front: front.pid, back: back.pid };
  }

  describe('without an SDK', () => {
    it('serves requests and sends envelopes and control requests that carry no trace field', async () => {
      const { front, back } = await spread();
      // Queued for the swapped-out process: the message and the invocation pass its backup queue,
      // and the invocation's activation passes the control subject.
      await stack.plane.swapProcess(APP, back);
      stack.transport.recorded.length = 0;
      const answer = await http(stack.httpUrl, 'POST', `/v1/apps/${APP}/invoke/relay?pid=${front}`, {
        body: back,
        headers: { traceparent: TRACEPARENT },
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      assert.equal(answer.json, 42);
      const { recorded } = stack.transport;
      const envelopes = recorded.filter((r) => r.kind === 'envelope').map((r) => decodeEnvelope(r.data));
      const controls = recorded.filter((r) => r.kind === 'control').map((r) => decodeControl(r.data));
      // The relay live; the note and the take live (refused), then queued.
      assert.deepEqual(
        new Set(envelopes.map((e) => `${e.t} ${e.t === 'msg' ? e.key : e.fn}`)),
        new Set(['inv relay', 'msg note', 'inv take']),
      );
      assert.ok(
        controls.some((c) => c.op === 'activate'),
        `an activation: ${controls.map((c) => c.op).join()}`,
      );
      for (const sent of [...envelopes, ...controls]) assert.equal('trace' in sent, false, JSON.stringify(sent));
    });
  });

  describe('with an SDK registered', () => {
    // A shut-down exporter takes no more spans: one per test.
    let exporter: InMemorySpanExporter;
    let provider: BasicTracerProvider;
    beforeEach(() => {
      exporter = new InMemorySpanExporter();
      provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      trace.setGlobalTracerProvider(provider);
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    });
    afterEach(async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    });

    it('follows a request from the gateway through invoke, send, swap-in and recv across two hosts', async () => {
      const { front, back } = await spread();
      await stack.plane.swapProcess(APP, back);
      exporter.reset();
      const answer = await http(stack.httpUrl, 'POST', `/v1/apps/${APP}/invoke/relay?pid=${front}`, {
        body: back,
        headers: { traceparent: TRACEPARENT },
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      assert.equal(answer.json, 42);

      const spans = exporter.getFinishedSpans();
      const request = only(spans, 'POST /v1/apps/{app}/invoke/{fn}');
      assert.equal(request.kind, SpanKind.SERVER);
      assert.equal(request.spanContext().traceId, TRACE_ID);
      assert.equal(request.parentSpanContext?.spanId, CALLER_SPAN, "the caller's traceparent is the parent");
      assert.equal(request.attributes['http.response.status_code'], 200);

      const gatewayInvoke = only(spans, 'invoke relay');
      assertChild(gatewayInvoke, request);
      const relay = only(spans, 'call Front.relay');
      assertChild(relay, gatewayInvoke);
      assert.deepEqual(
        {
          app: relay.attributes['praas.app'],
          pid: relay.attributes['praas.pid'],
          class: relay.attributes['praas.class'],
          fn: relay.attributes['praas.fn'],
        },
        { app: APP, pid: front, class: 'Front', fn: 'relay' },
      );

      const send = only(spans, 'send note');
      assert.equal(send.kind, SpanKind.PRODUCER);
      assertChild(send, relay);
      const invoke = only(spans, 'invoke take');
      assert.equal(invoke.kind, SpanKind.CLIENT);
      assertChild(invoke, relay);

      // The invocation found the process swapped out: its swap-in is a span of this trace.
      const swapIn = only(spans, 'swap-in');
      assertChild(swapIn, invoke);
      assert.equal(swapIn.attributes['praas.pid'], back);
      assert.ok(Number(swapIn.attributes['praas.generation']) >= 1);

      const take = only(spans, 'call Back.take');
      assertChild(take, invoke);
      const recv = only(spans, 'recv note');
      assert.equal(recv.kind, SpanKind.CONSUMER);
      assertChild(recv, take);
      assert.deepEqual(
        recv.links.map((l) => l.context.spanId),
        [send.spanContext().spanId],
        'the recv links the send of its message',
      );
    });

    it('carries the trace context over the direct data plane between hosts', async () => {
      await stack.stop();
      stack = new TwoHostStack('direct');
      await stack.start();
      const { front, back } = await spread();
      await new Promise((resolve) => setImmediate(resolve)); // The registry watch brings the routes.
      const fallbacks = (): number => stack.transport.recorded.filter((r) => r.kind === 'envelope').length;
      const before = fallbacks();
      exporter.reset();
      const answer = await stack.plane.invoke(APP, 'relay', back, { pid: front });
      assert.equal(answer, 42);
      // The gateway's invocation of the relay goes over the transport; the relay's send and invoke do not.
      assert.equal(fallbacks() - before, 1, 'only the gateway invocation took the transport');
      const spans = exporter.getFinishedSpans();
      const invoke = only(spans, 'invoke take');
      const take = only(spans, 'call Back.take');
      assertChild(take, invoke);
      const recv = only(spans, 'recv note');
      assertChild(recv, take);
      assert.deepEqual(
        recv.links.map((l) => l.context.spanId),
        [only(spans, 'send note').spanContext().spanId],
      );
    });

    it('shows swap-out and checkpoint as spans, in the trace of the request that asked for them', async () => {
      const { back } = await spread();
      exporter.reset();
      const swapped = await http(stack.httpUrl, 'POST', `/v1/apps/${APP}/processes/${back}/swap`, {
        headers: { traceparent: TRACEPARENT },
      });
      assert.equal(swapped.status, 200);
      const swapOut = only(exporter.getFinishedSpans(), 'swap-out');
      assertChild(swapOut, only(exporter.getFinishedSpans(), 'POST /v1/apps/{app}/processes/{pid}/swap'));
      assert.equal(swapOut.attributes['praas.class'], 'Back');

      const { pid } = await stack.plane.createProcess(APP, { processClass: 'Tally' });
      exporter.reset();
      const added = await http(stack.httpUrl, 'POST', `/v1/apps/${APP}/invoke/add?pid=${pid}`, {
        body: 5,
        headers: { traceparent: TRACEPARENT },
      });
      assert.equal(added.json, 5);
      const checkpoint = only(exporter.getFinishedSpans(), 'checkpoint');
      assert.equal(checkpoint.spanContext().traceId, TRACE_ID);
      assert.equal(checkpoint.attributes['praas.pid'], pid);
      assert.ok(Number(checkpoint.attributes['praas.generation']) >= 1);
    });

    it('records a failed function on its spans, and the client gets no stack', async () => {
      const { front } = await spread();
      exporter.reset();
      const answer = await http(stack.httpUrl, 'POST', `/v1/apps/${APP}/invoke/broken?pid=${front}`, {
        headers: { traceparent: TRACEPARENT },
      });
      assert.ok(answer.status >= 500, `status ${answer.status}`);
      assert.doesNotMatch(answer.text, /tracing\.spec|\n\s+at /, 'no stack in the answer');
      const call = only(exporter.getFinishedSpans(), 'call Front.broken');
      assert.equal(call.status.code, SpanStatusCode.ERROR);
      const exception = call.events.find((e) => e.name === 'exception');
      assert.equal(exception?.attributes?.['exception.type'], 'TypeError');
      assert.equal(exception?.attributes?.['exception.message'], 'the parcel is not there');
      assert.match(String(exception?.attributes?.['exception.stacktrace']), /tracing\.spec/);
      const request = only(exporter.getFinishedSpans(), 'POST /v1/apps/{app}/invoke/{fn}');
      assert.equal(request.status.code, SpanStatusCode.ERROR);
    });

    it('continues the traceparent of a gRPC call', async () => {
      const { front, back } = await spread();
      const GatewayClient = loadGatewayService();
      const client: Client = new GatewayClient(stack.grpcAddress, credentials.createInsecure());
      try {
        exporter.reset();
        const metadata = new Metadata();
        metadata.set('traceparent', TRACEPARENT);
        const reply = await new Promise<{ payload: Buffer }>((resolve, reject) =>
          (
            client as unknown as Record<
              string,
              (r: object, m: Metadata, cb: (e: ServiceError | null, r: { payload: Buffer }) => void) => void
            >
          )['Invoke']!.call(
            client,
            { app: APP, fn: 'relay', pid: front, payload: jsonBytes(back) },
            metadata,
            (e, r) => (e ? reject(e) : resolve(r)),
          ),
        );
        assert.equal(parseJsonBytes(reply.payload), 42);
        const spans = exporter.getFinishedSpans();
        const call = only(spans, 'praas.v1.Gateway/Invoke');
        assert.equal(call.parentSpanContext?.spanId, CALLER_SPAN);
        assertChild(only(spans, 'invoke relay'), call);
        assertChild(only(spans, 'call Back.take'), only(spans, 'invoke take'));
      } finally {
        client.close();
      }
    });
  });
});
