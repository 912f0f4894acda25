import {
  PraasError,
  silentLogger,
  type Logger,
  type AppInfo,
  type ClientInvokeOptions,
  type CreateAppOptions,
  type CreateProcessOptions,
  type InspectOptions,
  type ProcessInfo,
  type ProcessInfoPage,
  type ProcessPageQuery,
  type ProcessInspection,
  type ProcessWatchEvent,
  type ProcessWatchOptions,
  type Subscription,
  type HostInfo,
  type TimerDetailsPage,
  type DeployOptions,
  type VersionsReport,
} from '@praas/framework/internal';
import type { GatewayMetrics } from '../metrics/gateway-metrics';
import type { GatewayOperations } from './gateway-operations';
import type { TimerListing } from './timer-operations';

/** The outcome label of a finished operation: `ok`, or the error's code (`INTERNAL` when it has none). */
export function outcomeOf(error: unknown): string {
  return error instanceof PraasError ? error.code : 'INTERNAL';
}

function elapsed(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * The control plane as the front ends call it, with the gateway's metrics recorded on the way:
 * invocations with outcome and latency, and explicit swaps out (`swap`) and in (`create` with the
 * pid of a swapped process). Both REST and gRPC go through one instance, so they count alike.
 */
export class MeteredOperations implements GatewayOperations {
  constructor(
    private readonly inner: GatewayOperations,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger = silentLogger,
  ) {}

  createApp(name: string, options?: CreateAppOptions): Promise<AppInfo> {
    return this.inner.createApp(name, options);
  }
  deployVersion(app: string, bundle: Uint8Array, options?: DeployOptions): Promise<AppInfo> {
    return this.inner.deployVersion(app, bundle, options);
  }
  listVersions(app: string): Promise<VersionsReport> {
    return this.inner.listVersions(app);
  }
  listApps(): Promise<AppInfo[]> {
    return this.inner.listApps();
  }
  getApp(name: string): Promise<AppInfo> {
    return this.inner.getApp(name);
  }
  deleteApp(name: string): Promise<void> {
    return this.inner.deleteApp(name);
  }

  async createProcess(app: string, options: CreateProcessOptions = {}): Promise<ProcessInfo> {
    if (options.pid === undefined) return this.inner.createProcess(app, options);
    // A pid that names a swapped-out process makes this an explicit swap-in.
    let before: ProcessInfo | undefined;
    try {
      before = await this.inner.getProcess(app, options.pid);
    } catch (e) {
      // No such process (or application): a plain create, which answers any error there is itself.
      this.logger.debug('creating a process of a pid that cannot be looked up; not timed as a swap-in', {
        app,
        pid: options.pid,
        err: e,
      });
    }
    if (!before || before.status === 'active') return this.inner.createProcess(app, options);
    return this.timeSwap(app, 'in', () => this.inner.createProcess(app, options));
  }

  listProcesses(app: string): Promise<ProcessInfo[]> {
    return this.inner.listProcesses(app);
  }
  listProcessPage(app: string, query?: ProcessPageQuery): Promise<ProcessInfoPage> {
    return this.inner.listProcessPage(app, query);
  }
  getProcess(app: string, pid: string): Promise<ProcessInfo> {
    return this.inner.getProcess(app, pid);
  }

  listHosts(app: string): Promise<HostInfo[]> {
    return this.inner.listHosts(app);
  }
  inspectProcess(app: string, pid: string, options?: InspectOptions): Promise<ProcessInspection> {
    return this.inner.inspectProcess(app, pid, options);
  }

  listTimers(app: string, listing?: TimerListing): Promise<TimerDetailsPage> {
    return this.inner.listTimers(app, listing);
  }
  cancelTimer(app: string, pid: string, id: string): Promise<void> {
    return this.inner.cancelTimer(app, pid, id);
  }

  swapProcess(app: string, pid: string): Promise<ProcessInfo> {
    return this.timeSwap(app, 'out', () => this.inner.swapProcess(app, pid));
  }

  deleteProcess(app: string, pid: string): Promise<void> {
    return this.inner.deleteProcess(app, pid);
  }

  async invoke<R = unknown>(app: string, fn: string, data?: unknown, options?: ClientInvokeOptions): Promise<R> {
    const start = process.hrtime.bigint();
    try {
      const result = await this.inner.invoke<R>(app, fn, data, options);
      this.metrics.observeInvocation(app, fn, 'ok', elapsed(start));
      return result;
    } catch (e) {
      this.metrics.observeInvocation(app, fn, outcomeOf(e), elapsed(start));
      throw e;
    }
  }

  send(app: string, pid: string, key: string | number, data: unknown): Promise<void> {
    return this.inner.send(app, pid, key, data);
  }

  watchProcesses(
    app: string,
    listener: (event: ProcessWatchEvent) => void,
    options?: ProcessWatchOptions,
  ): Promise<Subscription> {
    return this.inner.watchProcesses(app, listener, options);
  }

  private async timeSwap(app: string, direction: 'in' | 'out', run: () => Promise<ProcessInfo>): Promise<ProcessInfo> {
    const start = process.hrtime.bigint();
    try {
      const info = await run();
      this.metrics.observeSwap(app, direction, 'ok', elapsed(start));
      return info;
    } catch (e) {
      this.metrics.observeSwap(app, direction, outcomeOf(e), elapsed(start));
      throw e;
    }
  }
}
