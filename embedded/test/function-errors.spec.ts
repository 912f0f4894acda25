import assert from 'node:assert/strict';
import { credentials, status, type Client, type ServiceError } from '@grpc/grpc-js';
import {
  Fn,
  FunctionError,
  PraasClient,
  PraasError,
  Process,
  RetryableError,
  TerminalError,
  type Context,
} from '@praas/framework/internal';
import { ERROR_METADATA_KEY, loadGatewayService } from '@praas/gateway';
import { http, startGatewayStack, type GatewayStack } from './support/gateway-stack';

/** Functions that fail on purpose, one of each kind, and one that calls them and reports what it saw. */
@Process()
export class Payments {
  @Fn() refuse(order: string): never {
    throw new TerminalError(`order ${order} does not exist`);
  }

  @Fn() later(): never {
    throw new RetryableError('the bank did not answer', { cause: new Error('socket closed') });
  }

  @Fn() broken(): never {
    throw new TypeError('a bug');
  }

  /** Invokes `fn` of process `pid` with ctx.invoke and reports the error it got. */
  @Fn() async probe(args: { pid: string; fn: string }, ctx: Context): Promise<unknown> {
    try {
      await ctx.invoke(args.pid, args.fn, 'o-1');
      return 'no error';
    } catch (e) {
      const error = e as PraasError;
      return { isFunctionError: e instanceof FunctionError, code: error.code, retryable: error.retryable };
    }
  }
}

/** The kinds a function can fail with, and what its caller should see. */
const KINDS = [
  { fn: 'refuse', errorName: 'TerminalError', retryable: false, message: 'order o-1 does not exist' },
  { fn: 'later', errorName: 'RetryableError', retryable: true, message: 'the bank did not answer' },
  { fn: 'broken', errorName: 'TypeError', retryable: false, message: 'a bug' },
] as const;

describe('a function that fails on purpose, terminal or retryable', function () {
  let stack: GatewayStack;

  before(async function () {
    stack = await startGatewayStack({ processes: [Payments] });
    await stack.praas.createApp('pay');
    await stack.praas.createProcess('pay', { pid: 'p1' });
    await stack.praas.createProcess('pay', { pid: 'p2' });
  });
  after(async function () {
    await stack.close();
  });

  for (const kind of KINDS) {
    it(`${kind.errorName}: the embedded caller gets FUNCTION_FAILED, retryable ${kind.retryable}`, async function () {
      await assert.rejects(stack.praas.invoke('pay', kind.fn, 'o-1', { pid: 'p1' }), (e: unknown) => {
        assert.ok(e instanceof FunctionError, String(e));
        assert.deepEqual(
          [e.code, e.retryable, e.message, e.details['errorName']],
          ['FUNCTION_FAILED', kind.retryable, kind.message, kind.errorName],
        );
        return true;
      });
    });

    it(`${kind.errorName}: so does another process calling it with ctx.invoke`, async function () {
      assert.deepEqual(await stack.praas.invoke('pay', 'probe', { pid: 'p1', fn: kind.fn }, { pid: 'p2' }), {
        isFunctionError: true,
        code: 'FUNCTION_FAILED',
        retryable: kind.retryable,
      });
    });

    it(`${kind.errorName}: over REST, 502 with retryable in the error${kind.retryable ? '' : ' only when true'}`, async function () {
      const answer = await http(stack.addresses.httpUrl, 'POST', `/v1/apps/pay/invoke/${kind.fn}?pid=p1`, {
        body: 'o-1',
      });
      assert.equal(answer.status, 502);
      assert.deepEqual(answer.json, {
        error: {
          code: 'FUNCTION_FAILED',
          message: kind.message,
          details: { function: kind.fn, pid: 'p1', errorName: kind.errorName },
          ...(kind.retryable ? { retryable: true } : {}),
        },
      });
    });

    it(`${kind.errorName}: PraasClient rebuilds it with retryable ${kind.retryable}`, async function () {
      const client = new PraasClient({ url: stack.addresses.httpUrl });
      await assert.rejects(client.invoke('pay', kind.fn, 'o-1', { pid: 'p1' }), (e: unknown) => {
        assert.ok(e instanceof FunctionError, String(e));
        assert.deepEqual([e.retryable, e.details['errorName']], [kind.retryable, kind.errorName]);
        return true;
      });
    });
  }

  it('over gRPC: UNKNOWN either way, retryable in the praas-error-bin trailer', async function () {
    const Gateway = loadGatewayService();
    const client: Client = new Gateway(stack.addresses.grpcAddress, credentials.createInsecure());
    try {
      for (const kind of KINDS) {
        const invoke = (client as unknown as Record<string, (r: object, cb: (e: ServiceError | null) => void) => void>)[
          'Invoke'
        ]!;
        const error = await new Promise<ServiceError | null>((resolve) =>
          invoke.call(client, { app: 'pay', fn: kind.fn, pid: 'p1', payload: Buffer.from('"o-1"') }, resolve),
        );
        assert.ok(error, `${kind.fn} did not fail`);
        assert.equal(error.code, status.UNKNOWN, kind.fn);
        const [raw] = error.metadata.get(ERROR_METADATA_KEY);
        const wire = JSON.parse((raw as Buffer).toString('utf8')) as { code: string; retryable?: boolean };
        assert.deepEqual([wire.code, wire.retryable ?? false], ['FUNCTION_FAILED', kind.retryable], kind.fn);
      }
    } finally {
      client.close();
    }
  });
});
