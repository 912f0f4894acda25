import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { launchNatsServer, requireNatsBinary, type NatsServerChild } from './nats-server-child';

/** One node of a {@link NatsCluster}. */
export interface NatsClusterNode {
  /** Its server name, e.g. `n1`. */
  readonly name: string;
  /** `nats://127.0.0.1:<port>` of its client port. */
  readonly url: string;
  /** Whether the node's process runs. */
  alive(): boolean;
  /** SIGKILL: the node dies on the spot, as on a machine failure; its store stays. */
  kill(): Promise<void>;
  /** Starts the node again on its ports with its store, after {@link kill}; resolves once it accepts clients. */
  start(): Promise<void>;
  /** Its log (standard error of its current process). */
  log(): string;
}

/** Nodes of nats-server clustered on loopback, each with JetStream and a store of its own. */
export interface NatsCluster {
  readonly nodes: readonly NatsClusterNode[];
  /** The nodes' client URLs, comma-separated: what PRAAS_NATS_URL takes. */
  readonly url: string;
  /** The nodes' client URLs. */
  readonly urls: readonly string[];
  /**
   * Resolves once every node runs, reports itself healthy and agrees on a JetStream meta leader:
   * after a node was restarted, its streams have caught up, so another node may be taken away.
   */
  untilHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their stores. */
  stop(): Promise<void>;
}

/** Options of {@link startNatsCluster}. */
export interface StartNatsClusterOptions {
  /** Number of nodes (default 3). */
  readonly size?: number;
}

interface NodePorts {
  readonly client: number;
  readonly cluster: number;
  readonly monitor: number;
}

/**
 * Starts `size` nats-server nodes (the binary, DESIGN §9) clustered on loopback with JetStream:
 * each has its own store directory, client, route and monitoring port, and routes to all the
 * others. Resolves once the cluster elected its JetStream meta leader, so streams with three
 * replicas can be created.
 * @throws Error with installation advice when there is no nats-server binary, or with the nodes' logs.
 * @example
 * ```ts
 * const cluster = await startNatsCluster();
 * const nc = await connect({ servers: [...cluster.urls] });
 * await cluster.nodes[0].kill(); // the client carries on through the others
 * await cluster.nodes[0].start();
 * await cluster.stop();
 * ```
 */
export async function startNatsCluster(options: StartNatsClusterOptions = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const binary = requireNatsBinary('or start a cluster yourself', 'no nats-server binary found for the cluster');
  const dir = mkdtempSync(join(tmpdir(), 'praas-nats-cluster-'));
  const free = await distinctFreePorts(size * 3);
  const ports: NodePorts[] = Array.from({ length: size }, (_, i) => ({
    client: free[3 * i]!,
    cluster: free[3 * i + 1]!,
    monitor: free[3 * i + 2]!,
  }));
  const children: (NatsServerChild | undefined)[] = ports.map(() => undefined);
  const configs = ports.map((own, i) => {
    const name = `n${i + 1}`;
    const routes = ports.filter((p) => p !== own).map((p) => `nats-route://127.0.0.1:${p.cluster}`);
    const file = join(dir, `${name}.conf`);
    writeFileSync(
      file,
      [
        `server_name: ${name}`,
        `listen: 127.0.0.1:${own.client}`,
        `http: 127.0.0.1:${own.monitor}`,
        `jetstream { store_dir: ${JSON.stringify(join(dir, name))} }`,
        `cluster { name: praas, listen: 127.0.0.1:${own.cluster}, routes: [${routes.join(', ')}] }`,
        '',
      ].join('\n'),
    );
    return { name, file };
  });
  const launch = async (i: number): Promise<void> => {
    children[i] = await launchNatsServer(binary, ['-c', configs[i]!.file], ports[i]!.client);
  };
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => (c ? c.stop() : Promise.resolve())));
    await rm(dir, { recursive: true, force: true });
  };
  const urls = ports.map((p) => `nats://127.0.0.1:${p.client}`);
  const cluster: NatsCluster = {
    urls,
    url: urls.join(','),
    nodes: configs.map((c, i) => ({
      name: c.name,
      url: urls[i]!,
      alive: () => children[i]?.alive() ?? false,
      kill: async () => children[i]?.kill(),
      start: () => launch(i),
      log: () => children[i]?.log() ?? '',
    })),
    untilHealthy: async (timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await healthy(ports))) {
        if (Date.now() > deadline) {
          const logs = configs.map((c, i) => `--- ${c.name}\n${children[i]?.log() ?? ''}`).join('\n');
          throw new Error(`the NATS cluster is not healthy after ${timeoutMs} ms:\n${logs}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    stop,
  };
  try {
    await Promise.all(ports.map((_, i) => launch(i)));
    await cluster.untilHealthy();
  } catch (e) {
    await stop();
    throw e;
  }
  return cluster;
}

/** `count` different ports the OS reports free. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const found = new Set<number>();
  while (found.size < count) found.add(await freePort());
  return [...found];
}

/** Every node answers /healthz with 200 and names the same JetStream meta leader, for a cluster of all nodes. */
async function healthy(ports: readonly NodePorts[]): Promise<boolean> {
  const leaders = new Set<string>();
  for (const p of ports) {
    const base = `http://127.0.0.1:${p.monitor}`;
    try {
      const health = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (!health.ok) return false;
      const jsz = (await (await fetch(`${base}/jsz`, { signal: AbortSignal.timeout(2_000) })).json()) as {
        meta_cluster?: { leader?: string; cluster_size?: number };
      };
      const meta = jsz.meta_cluster;
      if (!meta?.leader || meta.cluster_size !== ports.length) return false;
      leaders.add(meta.leader);
    } catch {
      return false; // Not up (yet): the caller polls again.
    }
  }
  return leaders.size === 1;
}
