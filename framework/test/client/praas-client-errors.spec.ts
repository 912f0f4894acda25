import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FunctionError, PraasClient, PraasError, TimeoutError, UnavailableError } from '../../src/internal';

/** A stand-in for what sits at a gateway URL: answers every request with `status` and `body`. */
async function serve(
  status: number,
  body: string,
  contentType = 'text/plain',
): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'Content-Type': contentType });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('PraasClient errors from the answer', function () {
  const servers: Server[] = [];
  afterEach(async function () {
    for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
  });

  async function failure(status: number, body: string, contentType?: string): Promise<unknown> {
    const { url, server } = await serve(status, body, contentType);
    servers.push(server);
    return new PraasClient({ url }).getApp('shop').then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
  }

  it('rebuilds the gateway’s error with its class and retryable flag', async function () {
    const wire = {
      code: 'FUNCTION_FAILED',
      message: 'later',
      details: { function: 'f', pid: 'p', errorName: 'RetryableError' },
      retryable: true,
    };
    const e = await failure(502, JSON.stringify({ error: wire }), 'application/json');
    assert.ok(e instanceof FunctionError);
    assert.deepEqual([e.retryable, e.message], [true, 'later']);
  });

  it('names an answer that is not the gateway’s UNEXPECTED_RESPONSE, with its status', async function () {
    const e = await failure(404, 'Not Found');
    assert.ok(e instanceof PraasError);
    assert.deepEqual([e.code, e.details, e.retryable], ['UNEXPECTED_RESPONSE', { status: 404 }, false]);
    assert.match(e.message, /the gateway answered HTTP 404: Not Found/);
    assert.ok((await failure(503, 'busy')) instanceof UnavailableError);
    assert.ok((await failure(504, 'slow')) instanceof TimeoutError);
  });
});
