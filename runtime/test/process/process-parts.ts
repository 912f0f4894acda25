import 'reflect-metadata';
import {
  encode,
  Fn,
  MemoryLogger,
  multiSource,
  Process,
  State,
  type Part,
  MemoryTransport,
  processDefinitionOf,
  SequencedSender,
  type Constructor,
  type InvokeEnvelope,
  type MessageEnvelope,
  type ProcessDefinition,
} from '@praas/framework/internal';
import { Mailbox } from '../../src/mailbox/mailbox';
import { SenderSequences } from '../../src/mailbox/sender-sequences';
import { BackupDrainer } from '../../src/process/backup-drainer';
import { CallRunner } from '../../src/process/call-runner';
import { InboundDispatcher } from '../../src/process/inbound-dispatcher';
import { LifeCycle } from '../../src/process/life-cycle';
import { Snapshotter } from '../../src/process/snapshotter';
import { KeyedState } from '../../src/state/keyed-state';
import { SnapshotRepository } from '../../src/state/snapshot-repository';
import { StateTypeCheck } from '../../src/state/state-type-check';
import type { SwapStore } from '../../src/storage/swap-store';
import { TriggerEngine } from '../../src/triggers/trigger-engine';

/** A class-typed field's value: it must come back from a swap with its prototype. */
export class Point {
  constructor(
    public x = 0,
    public y = 0,
  ) {}
  norm(): number {
    return Math.abs(this.x) + Math.abs(this.y);
  }
}

/** A process with plain, class-typed and binary state that checkpoints every 10 ms when it changed. */
@Process({ checkpointEveryMs: 10 })
export class Stateful {
  @State() count = 0;
  @State(() => Point) at = new Point();
  @State() weights = new Float64Array([0.5]);
  @Fn() inc(): number {
    return ++this.count;
  }
  @Fn({ trigger: multiSource({ count: 2 }) }) sum(parts: Part<number>[]): number {
    return parts.reduce((a, p) => a + p.data, 0);
  }
}

/** The collaborators of one process, wired to each other as the controller wires them, for unit tests. */
export interface ProcessParts {
  readonly app: string;
  readonly pid: string;
  readonly definition: ProcessDefinition;
  readonly transport: MemoryTransport;
  readonly logger: MemoryLogger;
  readonly lifeCycle: LifeCycle;
  readonly mailbox: Mailbox;
  readonly keyedState: KeyedState;
  readonly senders: SenderSequences;
  readonly sender: SequencedSender;
  readonly runner: CallRunner;
  readonly triggers: TriggerEngine;
  readonly drainer: BackupDrainer;
  readonly inbound: InboundDispatcher;
  readonly snapshotter: Snapshotter;
  /** How often the registry record was published (the snapshotter's `publish`). */
  readonly published: () => number;
}

export function processParts(
  ctor: Constructor,
  options: { transport?: MemoryTransport; store?: SwapStore; pid?: string } = {},
): ProcessParts {
  const app = 'app';
  const pid = options.pid ?? 'p1';
  const definition = processDefinitionOf(ctor);
  const transport = options.transport ?? new MemoryTransport();
  const logger = new MemoryLogger();
  const lifeCycle = new LifeCycle(app, pid);
  const mailbox = new Mailbox(pid);
  const keyedState = new KeyedState();
  const senders = new SenderSequences();
  const sender = new SequencedSender(pid);
  const runner = new CallRunner({
    pid,
    definition,
    logger,
    context: (fn) => ({ fn, self: pid, app, state: keyedState }) as never,
  });
  // The closures below run only after `inbound` is set, as in the controller.
  const triggers = new TriggerEngine(
    definition.functions,
    (fn, parts, reply) => inbound.fire(fn, parts, reply),
    (replyTo, reply) => inbound.replyQueued(replyTo, reply),
  );
  const drainer = new BackupDrainer({
    app,
    pid,
    backup: transport.backup,
    deliver: (e) => inbound.deliverQueued(e),
    logger,
  });
  const common = { app, pid, definition, mailbox, senders, runner, logger };
  const inbound: InboundDispatcher = new InboundDispatcher({
    ...common,
    transport,
    lifeCycle,
    triggers,
    drainer,
    invokeTimeoutMs: 5_000,
  });
  let published = 0;
  const snapshotter = new Snapshotter({
    ...common,
    snapshots: new SnapshotRepository(options.store ?? memoryStore()),
    stateTypes: new StateTypeCheck(() => undefined),
    lifeCycle,
    keyedState,
    sender,
    drainer,
    triggers,
    inbound,
    publish: () => {
      published++;
      return Promise.resolve();
    },
  });
  return {
    app,
    pid,
    definition,
    transport,
    logger,
    lifeCycle,
    mailbox,
    keyedState,
    senders,
    sender,
    runner,
    triggers,
    drainer,
    inbound,
    snapshotter,
    published: () => published,
  };
}

/** A swap store in memory; `failPuts` makes every put fail (an unreachable object store). */
export function memoryStore(): SwapStore & { failPuts: boolean } {
  const objects = new Map<string, Uint8Array>();
  return {
    failPuts: false,
    put(key, data) {
      if (this.failPuts) return Promise.reject(new Error(`object store refused ${key}`));
      objects.set(key, data.slice());
      return Promise.resolve();
    },
    get: (key) => Promise.resolve(objects.get(key)),
    list: (prefix) => Promise.resolve([...objects.keys()].filter((k) => k.startsWith(prefix)).sort()),
    delete(keys) {
      for (const k of keys) objects.delete(k);
      return Promise.resolve();
    },
    describe: () => 'memory',
  };
}

/** Message `seq` of the test sender `client:x` (incarnation `e1`), carrying `seq`. */
export const message = (seq: number, extra: Partial<MessageEnvelope> = {}): MessageEnvelope => ({
  t: 'msg',
  id: `m${seq}`,
  from: 'client:x',
  epoch: 'e1',
  seq,
  key: 'k',
  data: encode(seq),
  ...extra,
});

/** An invocation of `fn` from the test sender `client:x`. */
export const invocation = (
  id: string,
  fn: string,
  data: unknown,
  extra: Partial<InvokeEnvelope> = {},
): InvokeEnvelope => ({ t: 'inv', id, from: 'client:x', fn, data: encode(data), ...extra });
