import { NoRespondersError, TimeoutError, UnavailableError } from '../../errors';
import { silentLogger, type Logger } from '../../logging/logger';
import type {
  BackupEntry,
  BackupQueue,
  RequestHandler,
  RequestOptions,
  ServeOptions,
  Subscription,
  Transport,
} from '../transport';

interface Server {
  handler: RequestHandler;
  queue?: string;
}

const DEDUP_WINDOW = 100_000;

class MemoryBackupQueue implements BackupQueue {
  private readonly queues = new Map<string, { entries: BackupEntry[]; nextSeq: number }>();
  private readonly seenIds = new Map<string, Set<string>>();
  private readonly watchers = new Map<string, Set<() => void>>();

  private queue(app: string, pid: string): { entries: BackupEntry[]; nextSeq: number } {
    const key = `${app}/${pid}`;
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = { entries: [], nextSeq: 1 }));
    return q;
  }

  append(app: string, pid: string, id: string, data: Uint8Array): Promise<void> {
    const key = `${app}/${pid}`;
    let seen = this.seenIds.get(key);
    if (!seen) this.seenIds.set(key, (seen = new Set()));
    if (seen.has(id)) return Promise.resolve();
    seen.add(id);
    if (seen.size > DEDUP_WINDOW) seen.delete(seen.values().next().value as string);
    const q = this.queue(app, pid);
    q.entries.push({ seq: q.nextSeq++, data });
    for (const w of this.watchers.get(key) ?? []) queueMicrotask(w);
    return Promise.resolve();
  }

  read(app: string, pid: string, afterSeq: number, max: number): Promise<BackupEntry[]> {
    const entries = this.queue(app, pid)
      .entries.filter((e) => e.seq > afterSeq)
      .slice(0, max);
    return Promise.resolve(entries);
  }

  trim(app: string, pid: string, uptoSeq: number): Promise<void> {
    const q = this.queue(app, pid);
    q.entries = q.entries.filter((e) => e.seq > uptoSeq);
    return Promise.resolve();
  }

  purge(app: string, pid: string): Promise<void> {
    this.queues.delete(`${app}/${pid}`);
    this.seenIds.delete(`${app}/${pid}`);
    return Promise.resolve();
  }

  watch(app: string, pid: string, onAppend: () => void): Promise<Subscription> {
    const key = `${app}/${pid}`;
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(onAppend);
    return Promise.resolve({
      unsubscribe: () => {
        set.delete(onAppend);
        return Promise.resolve();
      },
    });
  }
}

export interface MemoryTransportOptions {
  /**
   * The backup queue (default: in memory, gone with the transport). The embedded stack gives an
   * `FsBackupQueue`, so traffic for swapped-out processes outlives a restart.
   */
  readonly backup?: BackupQueue;
  /** Where failures nobody waits for are logged, e.g. of a handler of a published message (default: nowhere). */
  readonly logger?: Logger;
}

/**
 * In-process transport with the same semantics as the NATS one: request/reply with
 * no-responders and timeouts, queue groups, and a backup queue with id deduplication.
 */
export class MemoryTransport implements Transport {
  readonly backup: BackupQueue;
  private readonly servers = new Map<string, Server[]>();
  private readonly rotation = new Map<string, number>();
  private closed = false;
  private readonly logger: Logger;

  constructor(options: MemoryTransportOptions = {}) {
    this.backup = options.backup ?? new MemoryBackupQueue();
    this.logger = options.logger ?? silentLogger;
  }

  serve(subject: string, handler: RequestHandler, options: ServeOptions = {}): Promise<Subscription> {
    this.assertOpen();
    const server: Server = options.queue === undefined ? { handler } : { handler, queue: options.queue };
    const list = this.servers.get(subject) ?? [];
    list.push(server);
    this.servers.set(subject, list);
    return Promise.resolve({
      unsubscribe: () => {
        const current = this.servers.get(subject) ?? [];
        const rest = current.filter((s) => s !== server);
        if (rest.length) this.servers.set(subject, rest);
        else this.servers.delete(subject);
        return Promise.resolve();
      },
    });
  }

  private pick(subject: string): Server | undefined {
    const list = this.servers.get(subject);
    if (!list || list.length === 0) return undefined;
    const n = this.rotation.get(subject) ?? 0;
    this.rotation.set(subject, n + 1);
    return list[n % list.length];
  }

  async request(subject: string, data: Uint8Array, options: RequestOptions): Promise<Uint8Array> {
    this.assertOpen();
    const server = this.pick(subject);
    if (!server) throw new NoRespondersError(subject);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TimeoutError(`no reply on '${subject}' within ${options.timeoutMs} ms`, { subject })),
        options.timeoutMs,
      );
    });
    try {
      return await Promise.race([server.handler(data), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  publish(subject: string, data: Uint8Array): Promise<void> {
    this.assertOpen();
    const server = this.pick(subject);
    // Nobody waits for a published message: a failure of its handler is only the log's.
    if (server)
      server
        .handler(data)
        .catch((e: unknown) => this.logger.warn('the handler of a published message failed', { subject, err: e }));
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    this.servers.clear();
    return Promise.resolve();
  }

  private assertOpen(): void {
    if (this.closed) throw new UnavailableError('the transport is closed');
  }
}
