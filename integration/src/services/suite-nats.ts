import { startNats, type NatsService, type StartNatsOptions } from '@praas/test-services';

/** The nats-server of one mocha suite; see {@link natsForSuite}. */
export interface SuiteNats {
  /** The server's URL; read it in tests and hooks, once the suite's `before` hook has run. */
  readonly url: string;
  readonly service: NatsService;
}

/**
 * Starts a nats-server before the tests of the enclosing mocha suite and stops it after them.
 * @example
 * ```ts
 * describe('my suite', function () {
 *   const nats = natsForSuite();
 *   it('connects', async () => NatsTransport.connect({ servers: nats.url }));
 * });
 * ```
 */
export function natsForSuite(options: StartNatsOptions = {}): SuiteNats {
  let service: NatsService | undefined;
  before(async function () {
    service = await startNats(options);
  });
  after(async function () {
    await service?.stop();
  });
  const started = (): NatsService => {
    if (!service) throw new Error('the suite’s nats-server is not started yet: use it in a test or hook');
    return service;
  };
  return {
    get url() {
      return started().url;
    },
    get service() {
      return started();
    },
  };
}
