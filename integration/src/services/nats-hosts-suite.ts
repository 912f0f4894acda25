import type { NatsKvRegistry, NatsTransport } from '@praas/framework/nats';
import type { NatsService } from '@praas/test-services';
import type { HostProcess, SpawnHostOptions } from './host-process';
import { startStack, type Stack } from './stack';

/** What {@link natsHostsForSuite} sets up; read its fields in tests and hooks, once `before` ran. */
export interface NatsHostsSuite {
  readonly nats: NatsService;
  readonly swapDir: string;
  readonly transport: NatsTransport;
  readonly registry: NatsKvRegistry;
  /** The hosts spawned with {@link spawnHost}; they are stopped after the suite. */
  readonly hosts: HostProcess[];
  /** Spawns a host on the suite's nats-server and swap directory, with the suite's host options, into {@link hosts}. */
  spawnHost(hostId: string): Promise<HostProcess>;
}

/**
 * A {@link startStack} stack of a nats-server, a swap directory and a control side, started before
 * the tests of the enclosing mocha suite; prints the hosts' output after a failed test; stops the
 * hosts and all else after the suite.
 * @param name names the swap directory and the transport's connection
 * @param hostOptions what the hosts spawned with {@link NatsHostsSuite.spawnHost} run
 */
export function natsHostsForSuite(
  name: string,
  hostOptions: Omit<SpawnHostOptions, 'natsUrl' | 'swapDir' | 'hostId'>,
): NatsHostsSuite {
  let stack: Stack | undefined;
  const hosts: HostProcess[] = [];
  before(async function () {
    stack = await startStack({ name, swapDir: true, controlApp: hostOptions.app });
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(stack?.outputs());
  });
  after(async function () {
    await stack?.stop();
  });
  const started = (): Stack => {
    if (stack === undefined) throw new Error('the suite’s services are not started yet: use them in a test or hook');
    return stack;
  };
  return {
    get nats() {
      return started().nats;
    },
    get swapDir() {
      return started().swapDir;
    },
    get transport() {
      return started().side.transport;
    },
    get registry() {
      return started().side.registry;
    },
    hosts,
    async spawnHost(hostId) {
      const host = await started().spawnHost({ ...hostOptions, hostId });
      hosts.push(host);
      return host;
    },
  };
}
