import { PraasClient } from '@praas/framework/internal';
import { startStack, type GatewayProcess } from '@praas/integration';
import type { Measurement, Suite } from '../runner';

// Unique per run: a server given by PRAAS_NATS_URL keeps the registry of earlier runs.
const APP = `bench-gw-${Date.now().toString(36)}`;
const PAYLOADS: readonly [string, number][] = [
  ['1B', 1],
  ['1KiB', 1024],
];
const FIXTURE_MODULE = require.resolve('../fixtures/bench.processes');

/**
 * DESIGN §3, §8, control plane vs data plane: the same no-op invocation of a process on a runtime
 * host OS process, once through a gateway OS process's REST API (JSON over HTTP, the gateway then
 * on NATS) and once straight over the data plane (PraasClient with `dataPlane`: NATS from the client).
 */
export const gatewaySuite: Suite = {
  name: 'gateway',
  async run(context) {
    const stack = await startStack({
      name: 'bench-gateway',
      swapDir: true,
      hosts: [{ app: APP, hostId: 'bench-gw-h1', modulePath: FIXTURE_MODULE }],
      gateways: [{}],
      controlApp: APP,
    });
    try {
      const [gateway] = stack.gateways as [GatewayProcess];
      const { side } = stack;
      const rest = new PraasClient({ url: gateway.httpUrl, token: gateway.token });
      const direct = new PraasClient({
        url: gateway.httpUrl,
        token: gateway.token,
        dataPlane: { transport: side.transport, registry: side.registry },
      });
      await rest.createApp(APP);
      const { pid } = await rest.createProcess(APP, { processClass: 'BenchProcess', pid: 'p1' });

      for (const [label, size] of PAYLOADS) {
        const payload = 'x'.repeat(size);
        const [viaGateway, viaDataPlane] = (await context.measureTogether(
          [
            ['gateway_rest_invoke', () => rest.invoke(APP, 'noop', payload, { pid, timeoutMs: 30_000 })],
            ['data_plane_invoke', () => direct.invoke(APP, 'noop', payload, { pid, timeoutMs: 30_000 })],
          ],
          { params: { payloadBytes: size } },
        )) as [Measurement, Measurement];
        context.ratio(`gateway_rest_vs_data_plane_${label}`, viaGateway, viaDataPlane);
      }
    } finally {
      await stack.stop();
    }
  },
};
