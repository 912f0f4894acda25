import { request as httpRequest } from 'node:http';
import {
  ANY,
  Fn,
  Process,
  SseParser,
  State,
  type Constructor,
  type Context,
  type ServerSentEvent,
} from '@praas/framework/internal';
import { Gateway, type GatewayAddresses, type GatewayOptions } from '@praas/gateway';
import { createEmbedded, type EmbeddedPraas } from '../../src';

/** A process with state, rich results, a failing function and a mailbox reader. */
@Process()
export class Counter {
  @State() total = 0;

  @Fn() add(n: number): number {
    return (this.total += n);
  }

  @Fn() get(): number {
    return this.total;
  }

  @Fn() nothing(): void {}

  @Fn() rich(): unknown {
    return {
      at: new Date('2024-05-06T07:08:09.000Z'),
      big: 2n ** 70n,
      bytes: new Uint8Array([104, 105]),
      floats: new Float64Array([0.5, 1.5]),
      tags: new Map([['k', 'v']]),
    };
  }

  @Fn() echo(value: unknown): unknown {
    return value;
  }

  @Fn() fail(message: string): never {
    throw new RangeError(message);
  }

  @Fn() async inbox(n: number, ctx: Context): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push((await ctx.recv(ANY, 'note', { timeoutMs: 5_000 })).data);
    return out;
  }
}

/** An embedded stack served by a started Gateway on ephemeral loopback ports. */
export interface GatewayStack {
  readonly praas: EmbeddedPraas;
  readonly gateway: Gateway;
  readonly addresses: GatewayAddresses;
  close(): Promise<void>;
}

/** A second class that shares the function name `get` with Counter, for routing by class. */
@Process()
export class Ledger {
  @State() entries: string[] = [];

  @Fn() record(entry: string): number {
    return this.entries.push(entry);
  }

  @Fn() get(): string[] {
    return this.entries;
  }
}

export interface GatewayStackOptions extends Omit<GatewayOptions, 'controlPlane'> {
  /** The process classes of the embedded stack (default: Counter). */
  readonly processes?: Constructor[];
}

export async function startGatewayStack(options: GatewayStackOptions = {}): Promise<GatewayStack> {
  const { processes = [Counter], ...gatewayOptions } = options;
  const praas = await createEmbedded({ processes });
  const gateway = new Gateway({ controlPlane: praas.controlPlane, stopGraceMs: 2_000, ...gatewayOptions });
  try {
    const addresses = await gateway.start({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
    return {
      praas,
      gateway,
      addresses,
      close: async () => {
        await gateway.stop();
        await praas.close();
      },
    };
  } catch (e) {
    await praas.close();
    throw e;
  }
}

export { http, type HttpResult, type HttpRequestOptions } from '@praas/test-services';

/** One event of a server-sent event stream, its data parsed as JSON. */
export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
  readonly id?: string;
}

export class SseReader {
  readonly events: SseEvent[] = [];
  private readonly parser = new SseParser((event) => this.deliver(event));
  private waiters: { match: (e: SseEvent) => boolean; resolve: () => void }[] = [];
  private readonly done: Promise<void>;
  private closeRequest!: () => void;
  ended = false;
  status = 0;
  contentType = '';

  private constructor(base: string, path: string, headers: Record<string, string>, opened: (error?: Error) => void) {
    const url = new URL(base);
    this.done = new Promise<void>((resolveDone) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path, headers, agent: false }, (res) => {
        this.status = res.statusCode ?? 0;
        this.contentType = String(res.headers['content-type'] ?? '');
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.parser.feed(chunk));
        res.on('close', () => {
          this.ended = true;
          resolveDone();
        });
        opened();
      });
      req.on('error', (e) => {
        this.ended = true;
        opened(e);
        resolveDone();
      });
      this.closeRequest = () => req.destroy();
      req.end();
    });
  }

  /** Opens the stream (with `headers`, e.g. `Last-Event-ID`); resolves once the response head arrived. */
  static open(base: string, path: string, headers: Record<string, string> = {}): Promise<SseReader> {
    return new Promise((resolve, reject) => {
      const reader: SseReader = new SseReader(base, path, headers, (error) =>
        error ? reject(error) : resolve(reader),
      );
    });
  }

  /** Resolves when an event matching `match` has arrived (or already had). */
  waitFor(match: (e: SseEvent) => boolean): Promise<void> {
    if (this.events.some(match)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Resolves when the server ended the stream. */
  closed(): Promise<void> {
    return this.done;
  }

  async close(): Promise<void> {
    this.closeRequest();
    await this.done;
  }

  private deliver({ event, data, id }: ServerSentEvent): void {
    const e: SseEvent = { event, data: JSON.parse(data) as unknown, ...(id === undefined ? {} : { id }) };
    this.events.push(e);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(e)) return true;
      w.resolve();
      return false;
    });
  }
}
