import net from 'node:net';

/** A loopback TCP proxy whose connection to the target can be cut and restored, for fault tests. */
export interface TcpProxy {
  /** Port the proxy listens on (stays the same across cut and restore). */
  readonly port: number;
  /** Client connections accepted so far (a client that reconnects after a cut counts again). */
  readonly accepted: number;
  /** Closes every connection and stops listening: clients get ECONNREFUSED until `restore`. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /** Cuts and forgets the proxy. */
  stop(): Promise<void>;
}

/**
 * Forwards `127.0.0.1:<port>` to `targetHost:targetPort`. Lets a test take an endpoint (an S3
 * server, NATS) away and bring it back without restarting the server behind it.
 */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(targetPort, targetHost);
    track(client);
    track(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const port = await listen(0);
  let listening = true;
  const cut = async (): Promise<void> => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    port,
    get accepted() {
      return accepted;
    },
    cut,
    restore: async () => {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    stop: cut,
  };
}
