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
  InvalidArgumentError,
  PayloadTooLargeError,
  silentLogger,
  UnavailableError,
  type ClientInvokeOptions,
  type Logger,
} from '@praas/framework';
import type { GatewayOperations } from '../control/gateway-operations';
import { grpcStatusOf } from '../errors/grpc-status';
import { publicError } from '../errors/http-status';
import { withErrorCallback, type ErrorCallback } from '../logging/error-callback';
import { parseJson, stringifyResult } from '../json/json-mapping';
import type { GatewayMetrics } from '../metrics/gateway-metrics';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_BUNDLE_LIMIT_BYTES } from '../rest/body-reader';
import { MAX_TIMEOUT_MS } from '../rest/request-bodies';
import { loadGatewayService } from './gateway-proto';
import { appMessage, processMessage, watchEventMessage } from '../records/record-fields';
import type {
  AppRequest,
  CreateAppRequest,
  CreateProcessRequest,
  DeployVersionChunk,
  InvokeRequest,
  ProcessEventMessage,
  ProcessRequest,
  SendMessageRequest,
  WatchProcessesRequest,
} from './grpc-messages';

/** Trailing-metadata key that carries the error as JSON `{ code, message, details }`. */
export const ERROR_METADATA_KEY = 'praas-error-bin';

export interface GrpcServerOptions {
  readonly operations: GatewayOperations;
  readonly metrics: GatewayMetrics;
  /** Largest argument accepted in an Invoke or SendMessage payload (default 1 MiB, as for REST). */
  readonly bodyLimitBytes?: number;
  /** Largest code bundle `DeployVersion` accepts, over all its chunks (default 64 MiB, as for REST). */
  readonly bundleLimitBytes?: number;
  /** Where the server logs: errors that are the gateway's own fault, streams that did not end cleanly (default: nowhere). */
  readonly logger?: Logger;
  /**
   * Also told about each error record, with its error.
   * @deprecated give a `logger`.
   */
  readonly log?: ErrorCallback;
}

/** Room for the fields around a payload at the limit. */
const ENVELOPE_SLACK_BYTES = 64 * 1024;

const optional = (value: string): string | undefined => (value === '' ? undefined : value);

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
  private stopping = false;
  private bound = false;

  constructor(private readonly options: GrpcServerOptions) {
    this.logger = withErrorCallback(options.logger ?? silentLogger, options.log);
    const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
    this.server = new Server({ 'grpc.max_receive_message_length': limit + ENVELOPE_SLACK_BYTES });
    this.server.addService(loadGatewayService().service, this.implementation());
  }

  /** Binds and serves; port 0 picks a free port. Resolves with the bound port. */
  listen(port: number, host: string): Promise<number> {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) => {
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
      ListApps: this.unary('ListApps', async () => ({ apps: (await ops.listApps()).map(appMessage) })),
      GetApp: this.unary<AppRequest>('GetApp', async (r) => appMessage(await ops.getApp(r.app))),
      DeleteApp: this.unary<AppRequest>('DeleteApp', async (r) => {
        await ops.deleteApp(r.app);
        return {};
      }),
      DeployVersion: (call: ServerReadableStream<DeployVersionChunk, unknown>, callback: sendUnaryData<unknown>) =>
        this.deploy(call, callback),
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
      ListProcesses: this.unary<AppRequest>('ListProcesses', async (r) => ({
        processes: (await ops.listProcesses(r.app)).map(processMessage),
      })),
      GetProcess: this.unary<ProcessRequest>('GetProcess', async (r) =>
        processMessage(await ops.getProcess(r.app, r.pid)),
      ),
      SwapProcess: this.unary<ProcessRequest>('SwapProcess', async (r) =>
        processMessage(await ops.swapProcess(r.app, r.pid)),
      ),
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

  /**
   * `DeployVersion`: the chunks of a bundle, summed up to the bundle limit, then the same operation
   * as `PUT /v1/apps/{app}/versions`. Over the limit the call fails at once, without reading on.
   */
  private deploy(call: ServerReadableStream<DeployVersionChunk, unknown>, callback: sendUnaryData<unknown>): void {
    const limit = this.options.bundleLimitBytes ?? DEFAULT_BUNDLE_LIMIT_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    let app: string | undefined;
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      const failure = this.statusOf('DeployVersion', error);
      this.count('DeployVersion', failure.code);
      callback(failure);
    };
    call.on('data', (chunk: DeployVersionChunk) => {
      if (settled) return;
      if (app === undefined) app = chunk.app;
      else if (chunk.app !== '' && chunk.app !== app) {
        fail(new InvalidArgumentError(`DeployVersion: a chunk names application '${chunk.app}' after '${app}'`));
        return;
      }
      size += chunk.data.length;
      if (size > limit) fail(new PayloadTooLargeError('code bundle', size, limit));
      else chunks.push(chunk.data);
    });
    call.on('error', fail);
    call.on('end', () => {
      if (settled) return;
      this.options.operations.deployVersion(app ?? '', Buffer.concat(chunks, size)).then((info) => {
        settled = true;
        this.count('DeployVersion', status.OK);
        callback(null, appMessage(info));
      }, fail);
    });
  }

  private unary<Req>(
    method: string,
    run: (request: Req, call: ServerUnaryCall<Req, unknown>) => Promise<object>,
  ): (call: ServerUnaryCall<Req, unknown>, callback: sendUnaryData<unknown>) => void {
    return (call, callback) => {
      run(call.request, call).then(
        (response) => {
          this.count(method, status.OK);
          callback(null, response);
        },
        (error: unknown) => {
          const failure = this.statusOf(method, error);
          this.count(method, failure.code);
          callback(failure);
        },
      );
    };
  }

  /** `WatchProcesses`: the REST watch's events, snapshot and resume point (`after_revision`) as messages. */
  private async watch(call: ServerWritableStream<WatchProcessesRequest, ProcessEventMessage>): Promise<void> {
    try {
      if (this.stopping) throw new UnavailableError('the gateway is stopping');
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
