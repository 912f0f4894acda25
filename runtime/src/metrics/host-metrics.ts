import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets (seconds) for invocations: sub-millisecond local calls up to long-running functions. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Swap latency buckets (seconds): a small state swaps in milliseconds, a large one in seconds. */
const SWAP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Snapshot size buckets (bytes): 1 KiB to 1 GiB, by powers of 4. */
const BYTE_BUCKETS = Array.from({ length: 11 }, (_, i) => 1024 * 4 ** i);
/** Timer lateness buckets (ms): on time within a few milliseconds, up to a missed minute. */
const LATENESS_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 5_000, 60_000];

/** What the gauges read at scrape time: the host's processes as they are then. */
export interface HostMetricsSource {
  /** Processes hosted here by status. */
  processesByStatus(): ReadonlyMap<string, number>;
  /** Unread messages in the mailboxes of the processes hosted here. */
  mailboxDepth(): number;
  /** Messages taken from backup queues and not yet covered by a committed snapshot. */
  backupEntriesHeld(): number;
  /** Messages held in partial trigger accumulations (multi-source and batch) of the processes here. */
  triggerMessagesPending(): number;
  /** Open direct data-plane connections to other hosts (0 on the NATS data plane). */
  directConnections(): number;
}

/**
 * The metrics of one runtime host (DESIGN §8b), served at `GET /metrics` on its health port in the
 * Prometheus text format. Every series carries the `app` and `host` labels. Counters and histograms
 * are updated where things happen; gauges read the host at scrape time. Node's own process metrics
 * (`process_resident_memory_bytes`, `nodejs_heap_size_used_bytes`, event-loop lag, ...) come along.
 */
export class HostMetrics {
  readonly registry = new Registry();
  readonly invocations: Counter<'class' | 'fn' | 'outcome'>;
  readonly invocationSeconds: Histogram<'class' | 'fn'>;
  readonly messages: Counter<'direction'>;
  readonly backupDrained: Counter;
  readonly swaps: Counter<'direction' | 'outcome'>;
  readonly swapSeconds: Histogram<'direction'>;
  readonly swapBytes: Histogram<'direction'>;
  readonly checkpoints: Counter<'outcome'>;
  readonly natsReconnects: Counter;
  readonly s3Errors: Counter<'operation'>;
  readonly s3Retries: Counter<'operation'>;
  readonly timersDue: Gauge;
  readonly timersFired: Counter<'outcome'>;
  readonly timerLateness: Histogram;
  readonly timerRetries: Counter;
  private source: HostMetricsSource | undefined;

  constructor(labels: { app: string; host: string }, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const counter = <T extends string>(name: string, help: string, labelNames: readonly T[] = []): Counter<T> =>
      new Counter({ name, help, labelNames, registers });
    const histogram = <T extends string>(
      name: string,
      help: string,
      labelNames: readonly T[],
      buckets: readonly number[],
    ): Histogram<T> => new Histogram({ name, help, labelNames, buckets: [...buckets], registers });
    this.registry.setDefaultLabels(labels);
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.invocations = counter(
      'praas_host_invocations_total',
      'Function calls run on this host, by process class, function and outcome (ok or the error code).',
      ['class', 'fn', 'outcome'],
    );
    this.invocationSeconds = histogram(
      'praas_host_invocation_duration_seconds',
      'Time a function call ran on this host (from admission to its result), by process class and function.',
      ['class', 'fn'],
      LATENCY_BUCKETS,
    );
    this.messages = counter(
      'praas_host_messages_total',
      'Messages (ctx.send) accepted into mailboxes here (in) and sent by processes here (out).',
      ['direction'],
    );
    this.backupDrained = counter(
      'praas_host_backup_queue_drained_total',
      'Entries taken from backup queues by processes on this host (at swap-in and while active).',
    );
    this.swaps = counter(
      'praas_host_swaps_total',
      'Swaps on this host, by direction (in or out) and outcome (ok or failed).',
      ['direction', 'outcome'],
    );
    this.swapSeconds = histogram(
      'praas_host_swap_duration_seconds',
      'Time to swap a process in (read and restore its snapshot) or out (capture and commit it).',
      ['direction'],
      SWAP_BUCKETS,
    );
    this.swapBytes = histogram(
      'praas_host_swap_bytes',
      'Size of the snapshot written at swap-out or read at swap-in, in bytes.',
      ['direction'],
      BYTE_BUCKETS,
    );
    this.checkpoints = counter(
      'praas_host_checkpoints_total',
      'Checkpoints written while processes stayed active, by outcome (ok or failed).',
      ['outcome'],
    );
    this.natsReconnects = counter(
      'praas_host_nats_reconnects_total',
      'Times the host reconnected to NATS after losing its connection.',
    );
    this.s3Errors = counter(
      'praas_host_s3_errors_total',
      'S3 requests of the swap store that failed for good (after their retries), by operation.',
      ['operation'],
    );
    this.s3Retries = counter(
      'praas_host_s3_retries_total',
      'S3 requests of the swap store tried again after a transient failure, by operation.',
      ['operation'],
    );
    this.timersDue = new Gauge({
      name: 'praas_host_timers_due',
      help: 'Timers of the application found due by this host at its last look at the due index.',
      registers,
    });
    this.timersFired = counter(
      'praas_host_timers_fired_total',
      'Timer firings this host delivered, by outcome (ok, failed and retried later, or skipped as a missed window).',
      ['outcome'],
    );
    this.timerLateness = new Histogram({
      name: 'praas_host_timer_lateness_ms',
      help: 'How late this host took a timer firing, after its scheduled time, in milliseconds (first attempts).',
      buckets: LATENESS_BUCKETS,
      registers,
    });
    this.timerRetries = counter('praas_host_timer_retries_total', 'Failed timer firings scheduled to be retried.');
    const read = <T>(get: (s: HostMetricsSource) => T, fallback: T): T => (this.source ? get(this.source) : fallback);
    new Gauge({
      name: 'praas_host_processes',
      help: 'Processes hosted here by status, at scrape time.',
      labelNames: ['status'],
      registers,
      collect() {
        this.reset();
        for (const [status, n] of read((s) => s.processesByStatus(), new Map<string, number>()))
          this.set({ status }, n);
      },
    });
    const gauge = (name: string, help: string, get: (s: HostMetricsSource) => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(get, 0));
        },
      });
    };
    gauge('praas_host_mailbox_messages', 'Unread messages in the mailboxes of the processes here.', (s) =>
      s.mailboxDepth(),
    );
    gauge(
      'praas_host_backup_queue_held',
      'Backup-queue entries taken by processes here and not yet covered by a committed snapshot.',
      (s) => s.backupEntriesHeld(),
    );
    gauge(
      'praas_host_trigger_messages_pending',
      'Messages waiting in partial multi-source and batch accumulations of the processes here.',
      (s) => s.triggerMessagesPending(),
    );
    gauge('praas_host_direct_connections', 'Open direct data-plane connections to other hosts.', (s) =>
      s.directConnections(),
    );
  }

  /** Where the gauges read from; the host sets itself once it is built. */
  attach(source: HostMetricsSource): void {
    this.source = source;
  }

  /** The Prometheus text format of every series. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
