import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type StatusObject,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import {
  inSpan,
  silentLogger,
  UnavailableError,
  type ClientInvokeOptions,
  type Logger,
  type Span,
} from '@praas/framework/internal';
import { GatewayAuth, type Principal } from '../auth/gateway-auth';
import type { FrontEndOptions } from '../config/front-end-options';
import { GRPC_METHOD_ROUTES, type GrpcMethod } from '../auth/route-access';
import { pageQuery } from '../records/page-query';
import { grpcStatusOf } from '../errors/grpc-status';
import { publicError } from '../errors/http-status';
import { withErrorCallback } from '../logging/error-callback';
import { parseJson, stringifyResult } from '../json/json-mapping';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_BUNDLE_LIMIT_BYTES } from '../rest/body-reader';
import { MAX_TIMEOUT_MS } from '../rest/request-bodies';
import { HealthImplementation } from 'grpc-health-check';
import { loadGatewayService } from './gateway-proto';
import { receiveDeploy } from './grpc-deploy';
import { credentialOf } from './grpc-credentials';
import { endGrpcSpan, grpcSpanSpec } from './grpc-span';
import { appMessage, hostMessage, processMessage, versionsMessage, watchEventMessage } from '../records/record-fields';
import { inspectionMessage, inspectOptionsOf } from '../records/inspection-message';
import { timerMessage, timerQuery } from '../records/timer-fields';
import type {
  AppRequest,
  ListProcessesRequest,
  CreateAppRequest,
  CreateProcessRequest,
  DeployVersionChunk,
  InvokeRequest,
  ListTimersRequest,
  ProcessEventMessage,
  ProcessRequest,
  SendMessageRequest,
  TimerRequest,
  WatchProcessesRequest,
} from './grpc-messages';

/** What grpc.health.v1 reports on: the server as a whole (''), and the gateway service. */
const HEALTH_SERVICES = ['', 'praas.v1.Gateway'];

/** Trailing-metadata key that carries the error as JSON `{ code, message, details }`. */
export const ERROR_METADATA_KEY = 'praas-error-bin';

/** Options of {@link GrpcServer}: those of both front ends. */
export type GrpcServerOptions = FrontEndOptions;

/** Room for the fields around a payload at the limit. */
const ENVELOPE_SLACK_BYTES = 64 * 1024;

const optional = (value: string): string | undefined => (value === '' ? undefined : value);

/** The application a request names, for the operations of one application. */
function appOf(request: unknown): string | undefined {
  const app = (request as { app?: unknown } | null)?.app;
  return typeof app === 'string' ? app : undefined;
}

function payloadValue(bytes: Buffer, what: string): unknown {
  return bytes.length === 0 ? undefined : parseJson(bytes.toString('utf8'), what);
}

/**
 * The gRPC service `praas.v1.Gateway` (gateway/proto/praas.proto) on @grpc/grpc-js, with the
 * same operations as the REST API. Errors become a status code mapped from the error code,
 * the message as status details and the whole error in the `praas-error-bin` trailer.
 */
export class GrpcServer {
  private readonly server: Server;
  private readonly streams = new Set<ServerWritableStream<WatchProcessesRequest, ProcessEventMessage>>();
  private readonly logger: Logger;
  private readonly auth: GatewayAuth;
  private stopping = false;
  private bound = false;
  private readonly health = new HealthImplementation(
    Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'SERVING' as const])),
  );

  constructor(private readonly options: GrpcServerOptions) {
    this.auth = options.auth ?? GatewayAuth.open();
    this.logger = withErrorCallback(options.logger ?? silentLogger, options.log);
    const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
    this.server = new Server({ 'grpc.max_receive_message_length': limit + ENVELOPE_SLACK_BYTES });
    this.server.addService(loadGatewayService().service, this.implementation());
    // The standard grpc.health.v1 service, for Kubernetes gRPC probes and grpc-health-probe.
    this.health.addToServer(this.server);
  }

  /** Binds and serves; port 0 picks a free port. Resolves with the bound port. */
  listen(port: number, host: string): Promise<number> {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      const tls = this.options.tls;
      const credentials = tls
        ? ServerCredentials.createSsl(null, [{ cert_chain: tls.cert, private_key: tls.key }], false)
        : ServerCredentials.createInsecure();
      this.server.bindAsync(address, credentials, (error, bound) => {
        if (error) reject(error);
        else {
          this.bound = true;
          resolve(bound);
        }
      });
    });
  }

  /** Ends every watch stream, lets calls in flight finish for up to `graceMs`, then forces the rest closed. */
  close(graceMs = 5_000): Promise<void> {
    this.stopping = true;
    for (const service of HEALTH_SERVICES) this.health.setStatus(service, 'NOT_SERVING');
    for (const call of [...this.streams]) call.end();
    this.streams.clear();
    if (!this.bound) return Promise.resolve();
    this.bound = false;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.server.forceShutdown(), graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private implementation(): UntypedServiceImplementation {
    const ops = this.options.operations;
    return {
      CreateApp: this.unary<CreateAppRequest>('CreateApp', async (r) =>
        appMessage(await ops.createApp(r.name, r.processClasses.length ? { processClasses: r.processClasses } : {})),
      ),
      ListApps: this.unary('ListApps', async (_r, _call, principal) => ({
        apps: (await ops.listApps()).filter((a) => this.auth.sees(principal, a.name)).map(appMessage),
      })),
      GetApp: this.unary<AppRequest>('GetApp', async (r) => appMessage(await ops.getApp(r.app))),
      DeleteApp: this.unary<AppRequest>('DeleteApp', async (r) => {
        await ops.deleteApp(r.app);
        return {};
      }),
      DeployVersion: (call: ServerReadableStream<DeployVersionChunk, unknown>, callback: sendUnaryData<unknown>) =>
        receiveDeploy(call, callback, {
          limitBytes: this.options.bundleLimitBytes ?? DEFAULT_BUNDLE_LIMIT_BYTES,
          auth: this.auth,
          deployVersion: (app, bundle, options) => this.options.operations.deployVersion(app, bundle, options),
          failure: (error) => this.statusOf('DeployVersion', error),
          count: (code) => this.count('DeployVersion', code),
        }),
      CreateProcess: this.unary<CreateProcessRequest>('CreateProcess', async (r) => {
        const processClass = optional(r.processClass);
        const pid = optional(r.pid);
        return processMessage(
          await ops.createProcess(r.app, {
            ...(processClass === undefined ? {} : { processClass }),
            ...(pid === undefined ? {} : { pid }),
          }),
        );
      }),
      ListProcesses: this.unary<ListProcessesRequest>('ListProcesses', async (r) => {
        const page = await ops.listProcessPage(
          r.app,
          pageQuery((field) => (field !== 'limit' ? r[field] : r.limit === 0 ? undefined : String(r.limit))),
        );
        return { processes: page.processes.map(processMessage), cursor: page.cursor ?? '' };
      }),
      GetProcess: this.unary<ProcessRequest>('GetProcess', async (r) =>
        processMessage(await ops.getProcess(r.app, r.pid)),
      ),
      SwapProcess: this.unary<ProcessRequest>('SwapProcess', async (r) =>
        processMessage(await ops.swapProcess(r.app, r.pid)),
      ),
      InspectProcess: this.unary<ProcessRequest & { maxChars?: number | string }>('InspectProcess', async (r) =>
        inspectionMessage(await ops.inspectProcess(r.app, r.pid, inspectOptionsOf(r.maxChars))),
      ),
      ListVersions: this.unary<AppRequest>('ListVersions', async (r) => versionsMessage(await ops.listVersions(r.app))),
      ListHosts: this.unary<AppRequest>('ListHosts', async (r) => ({
        hosts: (await ops.listHosts(r.app)).map(hostMessage),
      })),
      ListTimers: this.unary<ListTimersRequest>('ListTimers', async (r) => {
        const pid = optional(r.pid);
        const page = await ops.listTimers(r.app, {
          ...timerQuery(r.limit === 0 ? undefined : String(r.limit), r.cursor),
          ...(pid === undefined ? {} : { pid }),
        });
        return { timers: page.timers.map(timerMessage), cursor: page.cursor ?? '' };
      }),
      CancelTimer: this.unary<TimerRequest>('CancelTimer', async (r) => {
        await ops.cancelTimer(r.app, r.pid, r.id);
        return {};
      }),
      DeleteProcess: this.unary<ProcessRequest>('DeleteProcess', async (r) => {
        await ops.deleteProcess(r.app, r.pid);
        return {};
      }),
      Invoke: this.unary<InvokeRequest>('Invoke', async (r, call) => {
        const argument = payloadValue(r.payload, `argument of '${r.fn}'`);
        const result = await ops.invoke(r.app, r.fn, argument, this.invokeOptions(r, call));
        const text = stringifyResult(result);
        return { payload: text === undefined ? Buffer.alloc(0) : Buffer.from(text, 'utf8') };
      }),
      SendMessage: this.unary<SendMessageRequest>('SendMessage', async (r) => {
        await ops.send(r.app, r.pid, r.key, payloadValue(r.data, `message '${r.key}'`));
        return {};
      }),
      WatchProcesses: (call: ServerWritableStream<WatchProcessesRequest, ProcessEventMessage>) => void this.watch(call),
      Health: this.unary('Health', () => Promise.resolve({ status: this.stopping ? 'NOT_SERVING' : 'SERVING' })),
    };
  }

  private invokeOptions(r: InvokeRequest, call: ServerUnaryCall<unknown, unknown>): ClientInvokeOptions {
    const pid = optional(r.pid);
    const processClass = optional(r.processClass);
    const key = optional(r.key);
    let timeoutMs: number | undefined = r.timeoutMs > 0 ? Math.min(r.timeoutMs, MAX_TIMEOUT_MS) : undefined;
    const deadline = call.getDeadline();
    if (timeoutMs === undefined && deadline !== Infinity) {
      const at = deadline instanceof Date ? deadline.getTime() : deadline;
      timeoutMs = Math.min(Math.max(1, at - Date.now()), MAX_TIMEOUT_MS);
    }
    return {
      ...(pid === undefined ? {} : { pid }),
      ...(processClass === undefined ? {} : { processClass }),
      ...(key === undefined ? {} : { key }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    };
  }

  private unary<Req>(
    method: GrpcMethod,
    run: (request: Req, call: ServerUnaryCall<Req, unknown>, principal: Principal) => Promise<object>,
  ): (call: ServerUnaryCall<Req, unknown>, callback: sendUnaryData<unknown>) => void {
    return (call, callback) => {
      const serve = (span?: Span): Promise<void> =>
        Promise.resolve()
          .then(() => this.authorize(method, call.metadata, appOf(call.request)))
          .then((principal) => run(call.request, call, principal))
          .then(
            (response) => {
              this.count(method, status.OK);
              endGrpcSpan(span, status.OK);
              callback(null, response);
            },
            (error: unknown) => {
              const failure = this.statusOf(method, error);
              this.count(method, failure.code);
              endGrpcSpan(span, failure.code, error);
              callback(failure);
            },
          );
      // A span per call (probes are not traced).
      const spec = grpcSpanSpec(method, call.metadata);
      void (method === 'Health' ? serve() : inSpan(`praas.v1.Gateway/${method}`, spec, serve));
    };
  }

  /** `WatchProcesses`: the REST watch's events, snapshot and resume point (`after_revision`) as messages. */
  private async watch(call: ServerWritableStream<WatchProcessesRequest, ProcessEventMessage>): Promise<void> {
    try {
      if (this.stopping) throw new UnavailableError('the gateway is stopping');
      this.authorize('WatchProcesses', call.metadata, call.request.app);
      const { app, afterRevision } = call.request;
      // Events that arrive before the response headers went out are held, then sent in order.
      const early: ProcessEventMessage[] = [];
      let deliver = (message: ProcessEventMessage): void => void early.push(message);
      const subscription = await this.options.operations.watchProcesses(
        app,
        (event) => deliver(watchEventMessage(event)),
        {
          ...(afterRevision > 0 ? { afterRevision } : {}),
          onSnapshot: () => deliver({ type: 'snapshot' }),
          onSynced: () => deliver({ type: 'synced' }),
        },
      );
      let ended = false;
      const stop = (): void => {
        if (ended) return;
        ended = true;
        this.streams.delete(call);
        this.options.metrics.watchStreams.dec({ protocol: 'grpc' });
        subscription
          .unsubscribe()
          .catch((e: unknown) => this.logger.warn('ending a process watch failed', { app, err: e }));
      };
      this.streams.add(call);
      this.options.metrics.watchStreams.inc({ protocol: 'grpc' });
      call.on('cancelled', stop);
      call.on('close', stop);
      call.on('finish', stop);
      call.on('error', stop);
      call.sendMetadata(new Metadata());
      deliver = (message) => {
        if (!call.writableEnded) call.write(message);
      };
      early.splice(0).forEach(deliver);
      this.count('WatchProcesses', status.OK);
      if (this.stopping) call.end();
    } catch (error) {
      const failure = this.statusOf('WatchProcesses', error);
      this.count('WatchProcesses', failure.code);
      call.emit('error', failure);
    }
  }

  private authorize(method: GrpcMethod, metadata: Metadata, app: string | undefined): Principal {
    return this.auth.check(GRPC_METHOD_ROUTES[method], credentialOf(metadata), app);
  }

  private statusOf(method: string, error: unknown): StatusObject {
    const wire = publicError(error);
    const code = grpcStatusOf(wire.code);
    if (wire.code === 'INTERNAL') this.logger.error('a gRPC call failed inside the gateway', { method, err: error });
    const metadata = new Metadata();
    metadata.set(ERROR_METADATA_KEY, Buffer.from(JSON.stringify(wire), 'utf8'));
    return { code, details: wire.message, metadata };
  }

  private count(method: string, code: status): void {
    this.options.metrics.grpcRequests.inc({ method, code: status[code] });
  }
}
