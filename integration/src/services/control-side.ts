import { NatsKvRegistry, NatsTransport } from '@praas/framework/nats';
import { ControlPlane, RegisteredHostProvider } from '@praas/gateway';
import { HostControl } from './host-control';

/**
 * A test's own control side on a nats-server: its NATS connection, the registry, a ControlPlane
 * placing on the registered hosts (as the gateway does), and a HostControl that addresses one
 * host by name.
 */
export interface ControlSide {
  readonly transport: NatsTransport;
  readonly registry: NatsKvRegistry;
  readonly plane: ControlPlane;
  readonly control: HostControl;
  /** Closes the registry and the connection. */
  close(): Promise<void>;
}

/** Connects a control side for application `app`; `name` names the NATS connection in the server's logs. */
export async function openControlSide(natsUrl: string, app: string, name: string): Promise<ControlSide> {
  const transport = await NatsTransport.connect({ servers: natsUrl, name });
  let registry: NatsKvRegistry;
  try {
    registry = await NatsKvRegistry.open(transport.connection);
  } catch (e) {
    await transport.close();
    throw e;
  }
  return {
    transport,
    registry,
    plane: new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry) }),
    control: new HostControl(transport, app),
    async close() {
      try {
        await registry.close();
      } finally {
        await transport.close();
      }
    },
  };
}
