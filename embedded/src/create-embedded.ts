import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FsBackupQueue,
  InvalidArgumentError,
  MemoryRegistry,
  MemoryTimerStore,
  MemoryTransport,
  silentLogger,
  type Constructor,
  type ControlPlaneApi,
  type Logger,
  type TimerStore,
} from '@praas/framework/internal';
import { ControlPlane, DownScalingPolicy } from '@praas/gateway';
import {
  FsSwapStore,
  type ProcessControllerOptions,
  type SnapshotRepositoryOptions,
  type SwapStore,
} from '@praas/runtime';
import { InProcessHostProvider } from './in-process-host-provider';

/** The backup queue's directory inside the swap directory; no application name starts with '_'. */
const BACKUP_QUEUE_DIR = '_backup-queue';

export interface EmbeddedOptions {
  /** The `@Process` classes the application's runtime hosts can run. */
  processes: Constructor[];
  /**
   * Directory kept after close (default: a temporary directory, removed at close). It holds the
   * file-system swap store and, under `_backup-queue/`, the backup queue: messages and
   * invocations that wait for a swapped-out process outlive a restart of the stack.
   */
  swapDir?: string;
  /** Another swap store instead of the file-system one (the backup queue stays in `swapDir`). */
  store?: SwapStore;
  snapshots?: SnapshotRepositoryOptions;
  controller?: ProcessControllerOptions;
  /**
   * The down-scaling policy: idle processes are swapped out after their class's idleTimeoutMs.
   * `intervalMs` is how often it looks (default 1 000); `false` turns it off.
   */
  downScaling?: { intervalMs?: number; heartbeatMs?: number } | false;
  /**
   * The registry to use, e.g. one kept from an earlier stack so its applications and swapped-out
   * processes carry over a restart; it then needs the same `swapDir`. Not closed by `close()`.
   */
  registry?: MemoryRegistry;
  /**
   * The durable timers (issue 19): the store the stack's hosts fire from and the control plane lists
   * and cancels through (default: a new `MemoryTimerStore`). Not closed by `close()` when given.
   */
  timers?: TimerStore;
  /** Where the stack's transport, control plane, down-scaling policy and runtime hosts log (default: nowhere). */
  logger?: Logger;
}

/** A running embedded stack: the control-plane API, plus a way to stop it. */
export interface EmbeddedPraas extends ControlPlaneApi {
  /** Where swapped state is kept. */
  readonly swapLocation: string;
  /** The in-process hosts, one per application (for inspection and tests). */
  readonly provider: InProcessHostProvider;
  /** The control plane behind this API, e.g. to serve it with a `Gateway` over REST and gRPC. */
  readonly controlPlane: ControlPlane;
  /** The in-memory data plane, e.g. for a `PraasClient` that invokes processes directly. */
  readonly transport: MemoryTransport;
  readonly registry: MemoryRegistry;
  /** The durable timers the stack's hosts and control plane share. */
  readonly timers: TimerStore;
  /** Swaps every process out to the swap store and stops. */
  close(): Promise<void>;
}

/**
 * Starts the embedded mode (DESIGN §7): the control plane and a runtime host per application in
 * this Node.js process, an in-memory transport and registry, and a file-system swap store. No
 * service is needed; the code paths are the same as on a cluster.
 * @example
 * ```ts
 * const praas = await createEmbedded({ processes: [Counter] });
 * await praas.createApp('demo');
 * const { pid } = await praas.createProcess('demo');
 * await praas.invoke('demo', 'add', 2, { pid });
 * await praas.close();
 * ```
 */
export async function createEmbedded(options: EmbeddedOptions): Promise<EmbeddedPraas> {
  const carried = options.registry ? await options.registry.listApps() : [];
  if (carried.length > 0 && options.swapDir === undefined) {
    // Snapshots remember how far they read the backup queue; a queue that did not carry over
    // with the registry would start counting again, and the next invocations would wait unseen.
    throw new InvalidArgumentError(
      `createEmbedded: the registry knows applications of an earlier stack (${carried.map((a) => a.name).join(', ')}); give that stack's swapDir too, which holds their swapped state and backup queue`,
    );
  }
  // A temporary directory lives as long as the stack; one the caller names is kept.
  const tempDir = options.swapDir === undefined ? mkdtempSync(join(tmpdir(), 'praas-swap-')) : undefined;
  const dir = options.swapDir ?? tempDir!;
  const logger = options.logger ?? silentLogger;
  const transport = new MemoryTransport({
    backup: new FsBackupQueue(join(dir, BACKUP_QUEUE_DIR)),
    logger: logger.child({ component: 'transport' }),
  });
  const registry = options.registry ?? new MemoryRegistry();
  const timers = options.timers ?? new MemoryTimerStore();
  const store = options.store ?? new FsSwapStore(dir);
  let provider: InProcessHostProvider;
  try {
    provider = new InProcessHostProvider({
      processes: options.processes,
      transport,
      registry,
      store,
      host: {
        ...(options.downScaling
          ? { heartbeatMs: options.downScaling.heartbeatMs ?? options.downScaling.intervalMs ?? 1_000 }
          : {}),
        ...(options.snapshots ? { snapshots: options.snapshots } : {}),
        ...(options.controller ? { controller: options.controller } : {}),
        logger: logger.child({ component: 'host' }),
        // The hosts schedule into and fire from the store the control plane lists and cancels in.
        timers: { store: timers },
      },
    });
    // A registry carried over from an earlier stack (dev's restart) knows applications that need hosts again.
    for (const app of carried) await provider.ensureHosts(app);
  } catch (e) {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
    throw e;
  }
  const controlPlane = new ControlPlane({
    transport,
    registry,
    timers,
    provider,
    logger: logger.child({ component: 'control-plane' }),
  });
  const policy =
    options.downScaling === false
      ? undefined
      : new DownScalingPolicy({
          registry,
          scaleDown: (app, host) => controlPlane.scaleDownHost(app, host),
          intervalMs: options.downScaling?.intervalMs ?? 1_000,
          logger: logger.child({ component: 'down-scaling' }),
        });
  policy?.start();
  let closed = false;
  const embedded: EmbeddedPraas = {
    swapLocation: store.describe(),
    provider,
    controlPlane,
    transport,
    registry,
    timers,
    createApp: (name, o) => controlPlane.createApp(name, o),
    listApps: () => controlPlane.listApps(),
    getApp: (name) => controlPlane.getApp(name),
    deleteApp: (name) => controlPlane.deleteApp(name),
    createProcess: (app, o) => controlPlane.createProcess(app, o),
    listProcesses: (app) => controlPlane.listProcesses(app),
    listProcessPage: (app, query) => controlPlane.listProcessPage(app, query),
    getProcess: (app, pid) => controlPlane.getProcess(app, pid),
    swapProcess: (app, pid) => controlPlane.swapProcess(app, pid),
    deleteProcess: (app, pid) => controlPlane.deleteProcess(app, pid),
    invoke: (app, fn, data, o) => controlPlane.invoke(app, fn, data, o),
    send: (app, pid, key, data) => controlPlane.send(app, pid, key, data),
    close: async () => {
      if (closed) return;
      closed = true;
      await policy?.stop();
      await provider.close();
      if (!options.registry) await registry.close();
      if (!options.timers) await timers.close();
      await transport.close();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };
  return embedded;
}
