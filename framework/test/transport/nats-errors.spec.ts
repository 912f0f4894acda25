import assert from 'node:assert/strict';
import { ErrorCode, NatsError, type NatsConnection } from 'nats';
import { NoRespondersError, TimeoutError, UnavailableError } from '../../src/internal';
import { NatsBackupQueue } from '../../src/nats';
import { fromNatsError } from '../../src/transport/nats/nats-connection';

const timeout = (): NatsError => new NatsError('TIMEOUT', ErrorCode.Timeout);

describe('errors of the nats client as framework errors', () => {
  it('names the timeout in a TimeoutError, and never writes "the configured ms"', () => {
    const named = fromNatsError(timeout(), { subject: 's', what: "request to 's'", size: 0, timeoutMs: 2_500 });
    assert.ok(named instanceof TimeoutError);
    assert.equal(named.message, "no reply to the request to 's' within 2500 ms");
    assert.equal(named.details['timeoutMs'], 2_500);
    const unnamed = fromNatsError(timeout(), { subject: 's', what: "request to 's'", size: 0 });
    assert.equal(unnamed.message, "no reply to the request to 's' in time");
  });

  it('maps the other failures to retryable errors with a code', () => {
    const context = { subject: 'praas.a.p.x', what: 'request', size: 0 };
    assert.ok(fromNatsError(new NatsError('503', ErrorCode.NoResponders), context) instanceof NoRespondersError);
    const closed = fromNatsError(new NatsError('closed', ErrorCode.ConnectionClosed), context);
    assert.ok(closed instanceof UnavailableError && closed.retryable);
    const other = fromNatsError(new NatsError('unable to recreate ordered consumer', ErrorCode.RequestError), context);
    assert.ok(other instanceof UnavailableError && other.retryable);
    assert.match(other.message, /unable to recreate ordered consumer/);
  });

  it('names its timeout when a JetStream call of the backup queue times out', async () => {
    const connection = {
      jetstream: () => ({}),
      jetstreamManager: () =>
        Promise.resolve({
          streams: { info: () => Promise.resolve({}), purge: () => Promise.reject(timeout()) },
        }),
    } as unknown as NatsConnection;
    const queue = new NatsBackupQueue(connection, { timeoutMs: 4_321 });
    for (const call of [() => queue.trim('shop', 'p1', 7), () => queue.purge('shop', 'p1')]) {
      await assert.rejects(call(), (e: unknown) => {
        assert.ok(e instanceof TimeoutError, String(e));
        assert.match(e.message, /of the backup queue of 'p1' within 4321 ms$/);
        return true;
      });
    }
  });
});
