import assert from 'node:assert/strict';
import {
  activationSubject,
  decodeReply,
  decodeWire,
  encodeWire,
  hostSubject,
  MemoryLogger,
  MemoryTransport,
  ProcessNotFoundError,
  processSubject,
  type ControlRequest,
  type ProcessInfo,
  type ProcessInspection,
} from '@praas/framework/internal';
import { ControlHandler, type CreateOptions, type HostOperations } from '../../src/host/control-handler';

const APP = 'ctl';

function info(pid: string): ProcessInfo {
  return { app: APP, pid, processClass: 'Tally', status: 'active', address: processSubject(APP, pid), generation: 0 };
}

/** Operations that record their calls and answer with a process's info. */
class RecordingOperations implements HostOperations {
  readonly calls: unknown[][] = [];
  create(pid: string, processClass: string, options?: CreateOptions): Promise<ProcessInfo> {
    this.calls.push(['create', pid, processClass, options]);
    return Promise.resolve(info(pid));
  }
  activate(pid: string, options: { forwarded?: boolean }): Promise<ProcessInfo> {
    this.calls.push(['activate', pid, options]);
    return Promise.resolve(info(pid));
  }
  swapOut(pid: string): Promise<ProcessInfo> {
    this.calls.push(['swap', pid]);
    return Promise.resolve(info(pid));
  }
  upgrade(pid: string, version: number): Promise<ProcessInfo> {
    this.calls.push(['upgrade', pid, version]);
    return Promise.resolve(info(pid));
  }
  refreshCode(): Promise<void> {
    this.calls.push(['refresh-code']);
    return Promise.resolve();
  }
  checkpoint(pid: string): Promise<ProcessInfo> {
    this.calls.push(['checkpoint', pid]);
    return Promise.resolve(info(pid));
  }
  delete(pid: string): Promise<void> {
    this.calls.push(['delete', pid]);
    return pid === 'missing' ? Promise.reject(new ProcessNotFoundError(APP, pid)) : Promise.resolve();
  }
  describe(): ProcessInfo[] {
    return [info('a'), info('b')];
  }
  inspect(pid: string, maxChars?: number): Promise<ProcessInspection> {
    this.calls.push(['inspect', pid, maxChars]);
    return Promise.resolve({
      ...info(pid),
      source: 'live',
      takenAt: 1,
      fields: [],
      keyed: [],
      mailbox: { depth: 0, head: [] },
      triggers: [],
    });
  }
}

describe('ControlHandler', function () {
  const request = (r: Omit<ControlRequest, 'app'>): Uint8Array => encodeWire({ app: APP, ...r });

  it('runs each operation a request names and answers with its result', async function () {
    const ops = new RecordingOperations();
    const handler = new ControlHandler(APP, 'h1', ops, new MemoryLogger());
    const answer = async (r: Omit<ControlRequest, 'app'>): Promise<unknown> => {
      const reply = decodeReply(await handler.handle(request(r)));
      assert.ok(reply.ok);
      return reply.data && decodeWire(reply.data, 'reply');
    };
    assert.deepEqual(await answer({ op: 'create', pid: 'p', processClass: 'Tally', incarnation: 'i1' }), info('p'));
    await answer({ op: 'create', pid: 'g', processClass: 'Tally', generated: true });
    assert.deepEqual(await answer({ op: 'activate', pid: 'p', forwarded: true }), info('p'));
    await answer({ op: 'activate', pid: 'q' });
    await answer({ op: 'swap', pid: 'p' });
    await answer({ op: 'checkpoint', pid: 'p' });
    assert.deepEqual(await answer({ op: 'upgrade', pid: 'p', version: 3 }), info('p'));
    assert.equal(await answer({ op: 'refresh-code', pid: '' }), undefined);
    assert.equal(await answer({ op: 'delete', pid: 'p' }), undefined);
    assert.deepEqual(await answer({ op: 'describe', pid: '' }), [info('a'), info('b')]);
    assert.deepEqual(ops.calls, [
      ['create', 'p', 'Tally', { incarnation: 'i1', generated: false }],
      ['create', 'g', 'Tally', { incarnation: undefined, generated: true }],
      ['activate', 'p', { forwarded: true }],
      ['activate', 'q', { forwarded: false }],
      ['swap', 'p'],
      ['checkpoint', 'p'],
      ['upgrade', 'p', 3],
      ['refresh-code'],
      ['delete', 'p'],
    ]);
  });

  it('answers a failed operation, and a request it cannot read, with the error in wire form', async function () {
    const logger = new MemoryLogger();
    const handler = new ControlHandler(APP, 'h1', new RecordingOperations(), logger);
    const failed = decodeReply(await handler.handle(request({ op: 'delete', pid: 'missing' })));
    assert.ok(!failed.ok);
    assert.equal(failed.error.code, 'PROCESS_NOT_FOUND');
    assert.deepEqual(
      logger.at('debug', 'control request failed').map((r) => [r['op'], r['pid']]),
      [['delete', 'missing']],
    );
    const noVersion = decodeReply(await handler.handle(request({ op: 'upgrade', pid: 'p' })));
    assert.ok(!noVersion.ok);
    assert.equal(noVersion.error.code, 'INVALID_ARGUMENT');
    const garbled = decodeReply(await handler.handle(new Uint8Array([1, 2, 3])));
    assert.equal(garbled.ok, false);
  });

  it('serves the host subject and the activation queue until closed', async function () {
    const transport = new MemoryTransport();
    const handler = new ControlHandler(APP, 'h1', new RecordingOperations(), new MemoryLogger());
    await handler.serve(transport);
    const ask = async (subject: string): Promise<boolean> =>
      decodeReply(await transport.request(subject, request({ op: 'activate', pid: 'p' }), { timeoutMs: 1_000 })).ok;
    assert.equal(await ask(hostSubject(APP, 'h1')), true);
    assert.equal(await ask(activationSubject(APP)), true);
    await handler.close();
    await assert.rejects(ask(hostSubject(APP, 'h1')), { code: 'NO_RESPONDERS' });
    await transport.close();
  });
});
