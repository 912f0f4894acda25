import net from 'node:net';

/** A loopback TCP proxy whose connection to the target can be cut and restored, for fault tests. */
export interface TcpProxy {
  /** Port the proxy listens on (stays the same across cut and restore). */
  readonly port: number;
  /** Connections reset so far by {@link TcpProxy.resetNext}. */
  readonly resets: number;
  /**
   * Client connections accepted so far (a client that reconnects after a cut counts again; those
   * answered in the server's place by {@link TcpProxy.answerNext} count too).
   */
  readonly accepted: number;
  /** Closes every connection and stops listening: clients get ECONNREFUSED until `restore`. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /**
   * Resets the next `count` connections that send something, as a peer or a middlebox that drops
   * them would: the client gets ECONNRESET (or EPIPE while it writes). With `afterBytes`, the
   * first that many bytes the client sends are forwarded first, so a request breaks half-way.
   */
  resetNext(count: number, options?: { afterBytes?: number }): void;
  /**
   * Answers the next `count` connections that send something with `response` (raw bytes, e.g. an
   * HTTP 503 with its headers) instead of the target's, then closes them: a server that is
   * overloaded or failing for a moment.
   */
  answerNext(count: number, response: string): void;
  /** Cuts and forgets the proxy. */
  stop(): Promise<void>;
}

/**
 * Forwards `127.0.0.1:<port>` to `targetHost:targetPort`. Lets a test take an endpoint (an S3
 * server, NATS) away and bring it back without restarting the server behind it, or break some of
 * the connections to it.
 */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  let toReset = 0;
  let resetAfterBytes = 0;
  let resets = 0;
  let toAnswer = 0;
  let answer = '';
  const server = net.createServer((client) => {
    accepted++;
    if (toAnswer > 0) {
      toAnswer--;
      const response = answer;
      track(client);
      client.on('error', () => client.destroy());
      client.once('data', () => client.end(response));
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    track(client);
    track(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    upstream.pipe(client);
    if (toReset === 0) {
      client.pipe(upstream);
      return;
    }
    toReset--;
    const after = resetAfterBytes;
    let forwarded = 0;
    const onData = (chunk: Buffer): void => {
      const take = Math.min(chunk.length, after - forwarded);
      if (take > 0) upstream.write(chunk.subarray(0, take));
      forwarded += take;
      if (forwarded < after) return;
      client.off('data', onData);
      resets++;
      // RST rather than FIN: the client sees a reset connection, not a clean end of the response.
      client.resetAndDestroy();
      upstream.destroy();
    };
    client.on('data', onData);
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
    get resets() {
      return resets;
    },
    get accepted() {
      return accepted;
    },
    cut,
    restore: async () => {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    resetNext: (count, options = {}) => {
      if (!(Number.isSafeInteger(count) && count >= 0)) throw new Error(`resetNext needs a count >= 0, got ${count}`);
      toReset = count;
      resetAfterBytes = options.afterBytes ?? 0;
    },
    answerNext: (count, response) => {
      if (!(Number.isSafeInteger(count) && count >= 0)) throw new Error(`answerNext needs a count >= 0, got ${count}`);
      toAnswer = count;
      answer = response;
    },
    stop: cut,
  };
}
