/**
 * Entry point of a runtime host OS process (DESIGN §3, §7): hosts the `@Process` classes of
 * PRAAS_MODULE for application PRAAS_APP on NATS (PRAAS_NATS_URL), swapping to the store the
 * environment names (PRAAS_S3_* or PRAAS_SWAP_DIR). Prints one ready line; on SIGTERM or SIGINT swaps every
 * process out and exits 0.
 */
import 'reflect-metadata';
import { NatsKvRegistry, NatsTransport } from '@praas/framework';
import { RuntimeHost } from '../host/runtime-host';
import { swapStoreFromEnv } from '../storage/swap-store-from-env';
import { loadProcessClasses, readHostConfig } from './host-config';

async function main(): Promise<void> {
  const config = readHostConfig(process.env);
  const processes = loadProcessClasses(config.modulePath);
  const store = swapStoreFromEnv(process.env);
  const transport = await NatsTransport.connect({
    servers: config.natsUrl.split(','),
    name: `praas-host-${config.hostId ?? config.app}`,
  });
  const registry = await NatsKvRegistry.open(transport.connection);
  const host = new RuntimeHost({
    app: config.app,
    processes,
    transport,
    registry,
    store,
    ...(config.hostId === undefined ? {} : { hostId: config.hostId }),
    ...(config.heartbeatMs === undefined ? {} : { heartbeatMs: config.heartbeatMs }),
    ...(config.hostStaleMs === undefined ? {} : { hostStaleMs: config.hostStaleMs }),
    ...(config.memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes: config.memoryBudgetBytes }),
  });
  await host.start();
  console.log(`praas host ${host.id} serving ${host.app} on ${config.natsUrl}`);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    try {
      await host.stop({ swapOut: true });
      await registry.close();
      await transport.close();
      process.exit(0);
    } catch (e) {
      console.error(`praas host ${host.id}: stop on ${signal} failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((e: unknown) => {
  console.error(`praas host failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
