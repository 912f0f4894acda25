import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  ErrorCode,
  NatsError,
  nanos,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';
import { validateReplicas } from '../../config/nats-config';
import { InvalidArgumentError } from '../../errors';
import { silentLogger, type Logger } from '../../logging/logger';
import { validateName } from '../../wire/names';
import { backupStreamName, backupSubject, backupSubjectsOf } from '../../wire/subjects';
import type { BackupEntry, BackupQueue, Subscription } from '../transport';
import { fromNatsError } from './nats-connection';

export interface NatsBackupQueueOptions {
  /** How long a message id is remembered to drop a retried append (default 10 minutes). */
  readonly duplicateWindowMs?: number;
  /** Timeout of JetStream API calls and publish acknowledgements (default 10 000 ms). */
  readonly timeoutMs?: number;
  /** Where failures nobody waits for are logged (default: nowhere). */
  readonly logger?: Logger;
  /**
   * JetStream replicas of the backup streams it creates (default 1): 3 on a three-node cluster
   * keeps every queued message through the loss of any one node. An existing stream keeps its own.
   */
  readonly replicas?: number;
}

/** JetStream API error code: the stream does not exist. */
const STREAM_NOT_FOUND = 10059;
/** JetStream API error code: no message matches the request. */
const NO_MESSAGE_FOUND = 10037;
/** How long an abandoned read consumer survives on the server, should its deletion get lost. */
const READ_CONSUMER_TTL_MS = 30_000;

/**
 * The backup queue on JetStream (DESIGN §5): one file-backed stream per application whose
 * subjects are the processes' backup subjects. An append is a JetStream publish with the message
 * id as `Nats-Msg-Id` (the stream drops a repeated id within its duplicate window) and resolves
 * only on the server's acknowledgement, i.e. once the entry is durable. A read goes through a
 * short-lived consumer filtered on the one process subject, so entries come in stream order with
 * their stream sequence numbers. Works on nats-server 2.9 (single filter subject, no metadata).
 */
export class NatsBackupQueue implements BackupQueue {
  private readonly streams = new Map<string, Promise<string>>();
  private readonly duplicateWindowMs: number;
  private readonly timeoutMs: number;
  private readonly js: JetStreamClient;
  private readonly logger: Logger;
  private readonly replicas: number;
  private manager: Promise<JetStreamManager> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    options: NatsBackupQueueOptions = {},
  ) {
    this.duplicateWindowMs = options.duplicateWindowMs ?? 10 * 60_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.logger = options.logger ?? silentLogger;
    this.replicas = validateReplicas(options.replicas ?? 1, 'replicas');
    this.js = nc.jetstream({ timeout: this.timeoutMs });
  }

  private jsm(): Promise<JetStreamManager> {
    this.manager ??= this.nc.jetstreamManager({ timeout: this.timeoutMs, checkAPI: false });
    return this.manager;
  }

  async append(app: string, pid: string, id: string, data: Uint8Array): Promise<void> {
    const subject = backupSubject(app, pid);
    if (typeof id !== 'string' || id.length === 0) {
      throw new InvalidArgumentError(`a backup-queue entry for '${pid}' needs a non-empty message id`, { app, pid });
    }
    for (let attempt = 0; ; attempt++) {
      await this.ensureStream(app);
      try {
        await this.js.publish(subject, data, { msgID: id, timeout: this.timeoutMs });
        return;
      } catch (e) {
        // No stream answered: it was deleted behind our back. Create it again, once.
        if (attempt === 0 && e instanceof NatsError && (e.code as ErrorCode) === ErrorCode.NoResponders) {
          this.streams.delete(app);
          continue;
        }
        throw fromNatsError(e, {
          subject,
          what: `backup-queue entry for '${pid}' of '${app}'`,
          size: data.length,
          timeoutMs: this.timeoutMs,
          maxPayload: this.nc.info?.max_payload,
        });
      }
    }
  }

  async read(app: string, pid: string, afterSeq: number, max: number): Promise<BackupEntry[]> {
    const subject = backupSubject(app, pid);
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
      throw new InvalidArgumentError(`afterSeq must be a non-negative integer, got ${String(afterSeq)}`);
    }
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new InvalidArgumentError(`max must be a positive integer, got ${String(max)}`);
    }
    // No stream: nothing was ever appended. Reading creates none (an application's NATS user may not).
    const stream = await this.existingStream(app);
    if (stream === undefined) return [];
    const what = `read of the backup queue of '${pid}' of '${app}'`;
    // Most reads find nothing (a new process, a swap-in without backlog). The subject's last entry
    // says so in one request; a consumer costs three, and the server work of setting one up.
    if ((await this.lastSeq(stream, subject, what)) <= afterSeq) return [];
    let consumer: string;
    let pending: number;
    try {
      const info = await (
        await this.jsm()
      ).consumers.add(stream, {
        filter_subject: subject,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: afterSeq + 1,
        ack_policy: AckPolicy.None,
        inactive_threshold: nanos(READ_CONSUMER_TTL_MS),
        mem_storage: true,
        num_replicas: 1,
      });
      consumer = info.name;
      pending = info.num_pending;
    } catch (e) {
      throw fromNatsError(e, { subject, what, size: 0, timeoutMs: this.timeoutMs });
    }
    try {
      const batch = Math.min(pending, max);
      const entries: BackupEntry[] = [];
      if (batch === 0) return entries;
      // no_wait: the server sends what is there now and ends the batch, so a concurrent trim cannot stall us.
      for await (const m of this.js.fetch(stream, consumer, { batch, no_wait: true })) {
        entries.push({ seq: m.seq, data: m.data });
      }
      return entries;
    } catch (e) {
      throw fromNatsError(e, { subject, what, size: 0, timeoutMs: this.timeoutMs });
    } finally {
      // Not awaited: the consumer is useless now and expires by itself should the deletion get lost.
      void this.jsm()
        .then((jsm) => jsm.consumers.delete(stream, consumer))
        .catch((e: unknown) =>
          this.logger.debug('cannot delete a backup-queue read consumer; it expires by itself', {
            stream,
            consumer,
            err: e,
          }),
        );
    }
  }

  /** Sequence number of the last entry of `subject` in the stream, 0 when it has none. */
  private async lastSeq(stream: string, subject: string, what: string): Promise<number> {
    try {
      return (await (await this.jsm()).streams.getMessage(stream, { last_by_subj: subject })).seq;
    } catch (e) {
      if (e instanceof NatsError && e.api_error?.err_code === NO_MESSAGE_FOUND) return 0;
      throw fromNatsError(e, { subject, what, size: 0, timeoutMs: this.timeoutMs });
    }
  }

  async trim(app: string, pid: string, uptoSeq: number): Promise<void> {
    const subject = backupSubject(app, pid);
    if (!Number.isSafeInteger(uptoSeq) || uptoSeq < 0) {
      throw new InvalidArgumentError(`uptoSeq must be a non-negative integer, got ${String(uptoSeq)}`);
    }
    if (uptoSeq === 0) return;
    // A purge with `seq` keeps `seq` and above, so `uptoSeq + 1` removes up to and including uptoSeq.
    await this.purgeSubject(app, subject, { seq: uptoSeq + 1 }, `trim of the backup queue of '${pid}'`);
  }

  async purge(app: string, pid: string): Promise<void> {
    await this.purgeSubject(app, backupSubject(app, pid), {}, `purge of the backup queue of '${pid}'`);
  }

  /** Purges the messages of `subject` (below `seq`, when given) from the application's stream. */
  private async purgeSubject(app: string, subject: string, below: { seq?: number }, what: string): Promise<void> {
    const stream = await this.existingStream(app);
    if (stream === undefined) return;
    try {
      await (await this.jsm()).streams.purge(stream, { filter: subject, ...below });
    } catch (e) {
      throw fromNatsError(e, { subject, what, size: 0, timeoutMs: this.timeoutMs });
    }
  }

  /**
   * A core subscription on the backup subject: it sees every JetStream publish to it as well.
   * Resolves once the server knows it, so no append made afterwards goes unnoticed.
   */
  async watch(app: string, pid: string, onAppend: () => void): Promise<Subscription> {
    const subject = backupSubject(app, pid);
    let refused: Error | undefined;
    const sub = this.nc.subscribe(subject, {
      callback: (err) => {
        if (err) refused = err;
        else onAppend();
      },
    });
    try {
      await this.nc.flush();
      if (refused !== undefined) throw refused;
    } catch (e) {
      sub.unsubscribe();
      throw fromNatsError(e, { subject, what: `watch of the backup queue of '${pid}'`, size: 0 });
    }
    return {
      unsubscribe: () => {
        sub.unsubscribe();
        return Promise.resolve();
      },
    };
  }

  /**
   * Makes sure the application's stream exists, so that its hosts, whose NATS user may not create
   * streams, can append to it. The gateway calls it before it places a process.
   */
  async prepare(app: string): Promise<void> {
    await this.ensureStream(app);
  }

  /** The application's stream, created on first use; concurrent callers share one creation. */
  private ensureStream(app: string): Promise<string> {
    validateName('application', app);
    let created = this.streams.get(app);
    if (!created) {
      created = this.createStream(app);
      this.streams.set(app, created);
      created.catch(() => this.streams.delete(app));
    }
    return created;
  }

  /** The application's stream when it exists, without creating it; known streams are remembered. */
  private async existingStream(app: string): Promise<string | undefined> {
    const known = this.streams.get(app);
    if (known) return known;
    const name = backupStreamName(app);
    if (!(await this.streamExists(app, name))) return undefined;
    this.streams.set(app, Promise.resolve(name));
    return name;
  }

  private async streamExists(app: string, name: string): Promise<boolean> {
    try {
      await (await this.jsm()).streams.info(name);
      return true;
    } catch (e) {
      if (e instanceof NatsError && e.api_error?.err_code === STREAM_NOT_FOUND) return false;
      throw fromNatsError(e, {
        subject: backupSubjectsOf(app),
        what: `lookup of stream ${name}`,
        size: 0,
        timeoutMs: this.timeoutMs,
      });
    }
  }

  /**
   * Creates the application's stream unless it exists. A gateway does it before it places a
   * process ({@link prepare}): the NATS user of an application may not create streams.
   */
  private async createStream(app: string): Promise<string> {
    const name = backupStreamName(app);
    if (await this.streamExists(app, name)) return name;
    try {
      // Adding a stream with an identical configuration is idempotent, so a racing creator is harmless.
      await (
        await this.jsm()
      ).streams.add({
        name,
        subjects: [backupSubjectsOf(app)],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        duplicate_window: nanos(this.duplicateWindowMs),
        num_replicas: this.replicas,
      });
    } catch (e) {
      throw fromNatsError(e, {
        subject: backupSubjectsOf(app),
        what: `creation of stream ${name}`,
        size: 0,
        timeoutMs: this.timeoutMs,
      });
    }
    return name;
  }
}
