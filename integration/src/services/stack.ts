import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3SwapStore } from '@praas/runtime';
import { startNats, startS3, type NatsService, type S3Service, type StartNatsOptions } from '@praas/test-services';
import { openControlSide, type ControlSide } from './control-side';
import { spawnGateway, type GatewayProcess, type SpawnGatewayOptions } from './gateway-process';
import { spawnHost, type HostProcess, type SpawnHostOptions } from './host-process';
import { bucketStore, freshBucket, stopS3 } from './s3-buckets';
import { s3Environment } from './s3-env';

/** A runtime host of a {@link Stack}: it runs on the stack's nats-server, swap directory and bucket. */
export type StackHostOptions = Omit<SpawnHostOptions, 'natsUrl' | 'swapDir'>;

/** A gateway of a {@link Stack}, on the stack's nats-server. */
export interface StackGatewayOptions extends Omit<SpawnGatewayOptions, 'natsUrl'> {
  /** Whether it gets the stack's S3 environment (to store code bundles); default false. */
  readonly s3?: boolean;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Names the swap directory, the bucket and the control side's connection. */
  readonly name: string;
  readonly nats?: StartNatsOptions;
  /** Starts an S3 endpoint with a fresh bucket; every host of the stack swaps to it. */
  readonly s3?: boolean;
  /** Makes a swap directory every host of the stack swaps to (unless it swaps to S3). */
  readonly swapDir?: boolean;
  /** Hosts spawned side by side once the services run. */
  readonly hosts?: readonly StackHostOptions[];
  /** Gateways spawned one after another once the hosts run. */
  readonly gateways?: readonly StackGatewayOptions[];
  /** Opens a {@link ControlSide} of this application last. */
  readonly controlApp?: string;
  /** Whether {@link Stack.stop} SIGKILLs the hosts instead of letting them swap out and exit (SIGTERM). */
  readonly killHosts?: boolean;
}

/**
 * Services of an end-to-end suite: a nats-server, optionally an S3 endpoint or a swap directory,
 * runtime hosts and gateways as OS processes, and the test's own control side. Read the parts a
 * suite asked for; the others throw.
 */
export interface Stack {
  readonly nats: NatsService;
  readonly s3: S3Service;
  /** The bucket the hosts swap to. */
  readonly bucket: string;
  /** An S3SwapStore on the bucket, to look at what the hosts and gateways wrote. */
  readonly store: S3SwapStore;
  /** The environment that points a host or gateway at the bucket (empty without S3). */
  readonly s3Env: Readonly<Record<string, string>>;
  readonly swapDir: string;
  /** The hosts of the stack, in the order they got ready. */
  readonly hosts: readonly HostProcess[];
  readonly gateways: readonly GatewayProcess[];
  readonly side: ControlSide;
  /** Spawns one more host of the stack; {@link stop} stops it too, also when it is still starting. */
  spawnHost(options: StackHostOptions): Promise<HostProcess>;
  /** Everything the gateways and hosts printed, headed by their names: for a failed test's log. */
  outputs(): string;
  /**
   * Stops all in order: the control side, the gateways, the hosts, S3 (emptying the bucket), nats,
   * the swap directory. Every step runs; the first failure is thrown after the last step.
   */
  stop(): Promise<void>;
}

/**
 * Starts the services of an end-to-end suite; when one fails to start, stops those started
 * and throws. Call {@link Stack.stop} from the suite's `after` hook, after closing its own clients.
 * @example
 * ```ts
 * let stack: Stack;
 * before(async () => {
 *   stack = await startStack({ name: 'demo', swapDir: true, hosts: [{ app, hostId: 'h1', modulePath }] });
 * });
 * after(async () => stack?.stop());
 * ```
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const parts = new StackParts(options);
  try {
    await parts.start();
  } catch (e) {
    await parts.stop();
    throw e;
  }
  return parts;
}

class StackParts implements Stack {
  private natsService?: NatsService;
  private s3Service?: S3Service;
  private bucketStore?: S3SwapStore;
  private bucketName?: string;
  private dir?: string;
  private controlSide?: ControlSide;
  readonly hosts: HostProcess[] = [];
  readonly gateways: GatewayProcess[] = [];
  private readonly starting = new Set<Promise<unknown>>();

  constructor(private readonly options: StackOptions) {}

  get nats(): NatsService {
    return this.part(this.natsService, 'nats-server');
  }
  get s3(): S3Service {
    return this.part(this.s3Service, 'S3 endpoint (option s3)');
  }
  get bucket(): string {
    return this.part(this.bucketName, 'bucket (option s3)');
  }
  get store(): S3SwapStore {
    return this.part(this.bucketStore, 'bucket (option s3)');
  }
  get s3Env(): Readonly<Record<string, string>> {
    return this.s3Service && this.bucketName ? s3Environment(this.s3Service, this.bucketName) : {};
  }
  get swapDir(): string {
    return this.part(this.dir, 'swap directory (option swapDir)');
  }
  get side(): ControlSide {
    return this.part(this.controlSide, 'control side (option controlApp)');
  }

  async start(): Promise<void> {
    const { name } = this.options;
    this.natsService = await startNats(this.options.nats);
    if (this.options.s3) {
      this.s3Service = await startS3();
      this.bucketName = freshBucket(name);
      this.bucketStore = bucketStore(this.s3Service, this.bucketName);
    }
    if (this.options.swapDir) this.dir = mkdtempSync(join(tmpdir(), `praas-${name}-`));
    const spawning = (this.options.hosts ?? []).map((h) => this.spawnHost(h));
    // Once these settled, every host that got ready is in `hosts` (stop() stops it).
    await Promise.all([...this.starting]);
    for (const s of await Promise.allSettled(spawning)) if (s.status === 'rejected') throw s.reason;
    for (const g of this.options.gateways ?? []) {
      const { s3, env, ...rest } = g;
      const gatewayEnv = { ...(s3 ? this.s3Env : {}), ...env };
      this.gateways.push(await spawnGateway({ ...rest, natsUrl: this.nats.url, env: gatewayEnv }));
    }
    if (this.options.controlApp !== undefined)
      this.controlSide = await openControlSide(this.nats.url, this.options.controlApp, name);
  }

  spawnHost(options: StackHostOptions): Promise<HostProcess> {
    const swapDir = this.dir === undefined ? {} : { swapDir: this.dir };
    const env = { ...this.s3Env, ...options.env };
    const spawning = spawnHost({ ...options, ...swapDir, env, natsUrl: this.nats.url });
    // A host that fails to start rejects `spawning` for the caller to see; stop() only waits for it.
    const settled: Promise<void> = Promise.allSettled([spawning]).then(([outcome]) => {
      if (outcome?.status === 'fulfilled') this.hosts.push(outcome.value);
      this.starting.delete(settled);
    });
    this.starting.add(settled);
    return spawning;
  }

  outputs(): string {
    const parts = [
      ...this.gateways.map((g, i) => `--- gateway ${i + 1}\n${g.output()}`),
      ...this.hosts.map((h) => `--- host ${h.id}\n${h.output()}`),
    ];
    return parts.join('\n');
  }

  async stop(): Promise<void> {
    const failures: unknown[] = [];
    const step = async (run: () => Promise<unknown>): Promise<void> => {
      await run().catch((e: unknown) => failures.push(e));
    };
    await step(async () => this.controlSide?.close());
    for (const g of this.gateways) await step(() => g.stop());
    await Promise.all([...this.starting]);
    for (const h of this.hosts) await step(() => (this.options.killHosts ? h.kill() : h.stop()));
    await step(() => stopS3(this.s3Service, this.bucketStore, this.options.name));
    await step(async () => this.natsService?.stop());
    const dir = this.dir;
    if (dir !== undefined) await step(() => rm(dir, { recursive: true, force: true }));
    if (failures.length > 0) throw failures[0];
  }

  private part<T>(value: T | undefined, what: string): T {
    if (value === undefined)
      throw new Error(`the stack has no ${what}: ask startStack for it, and use it once started`);
    return value;
  }
}
