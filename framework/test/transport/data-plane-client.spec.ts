import assert from 'node:assert/strict';
import {
  DataPlaneClient,
  decodeEnvelope,
  encodeWire,
  MemoryRegistry,
  MemoryTransport,
  NoRespondersError,
  processSubject,
  ProcessUnavailableError,
  type MessageEnvelope,
  type RequestOptions,
} from '../../src/internal';

const APP = 'demo';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A transport whose live requests to a process take `delay(message)` ms and then get `answer(message)`. */
class ScriptedTransport extends MemoryTransport {
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly delay: (message: MessageEnvelope) => number,
    private readonly answer: (message: MessageEnvelope) => 'accept' | 'refuse' | 'nobody',
  ) {
    super();
  }
  override async request(subject: string, data: Uint8Array, options: RequestOptions): Promise<Uint8Array> {
    if (subject !== processSubject(APP, 'r')) return super.request(subject, data, options);
    const envelope = decodeEnvelope(data) as MessageEnvelope;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await sleep(this.delay(envelope));
    } finally {
      this.inFlight--;
    }
    const answer = this.answer(envelope);
    if (answer === 'nobody') throw new NoRespondersError(subject);
    return encodeWire(
      answer === 'accept'
        ? { ok: true }
        : { ok: false, error: new ProcessUnavailableError(APP, 'r', 'active').toWire() },
    );
  }
}

describe('DataPlaneClient: sends of one sender to one receiver', () => {
  let registry: MemoryRegistry;
  const message = (seq: number, from = 'p1'): MessageEnvelope => ({
    t: 'msg',
    id: `${from}-${seq}`,
    from,
    epoch: 'e1',
    seq,
    key: 'k',
    data: new Uint8Array([seq]),
  });
  const queued = async (transport: MemoryTransport): Promise<string[]> =>
    (await transport.backup.read(APP, 'r', 0, 100)).map((e) => (decodeEnvelope(e.data) as MessageEnvelope).id);

  beforeEach(async () => {
    registry = new MemoryRegistry();
    await registry.putProcess({
      app: APP,
      pid: 'r',
      processClass: 'R',
      status: 'swapped',
      generation: 1,
      updatedAt: 0,
    });
  });

  it('go out pipelined: the next one does not wait for the answer to the previous one', async () => {
    const transport = new ScriptedTransport(
      () => 20,
      () => 'accept',
    );
    const client = new DataPlaneClient(transport, registry, APP);
    await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((seq) => client.send('r', message(seq))));
    assert.equal(transport.maxInFlight, 8);
  });

  it('fall back to the backup queue in the order they were made, whatever order the refusals come back in', async () => {
    // Later sends are refused first: a naive fallback would queue them ahead of the earlier ones.
    const transport = new ScriptedTransport(
      (m) => 60 - m.seq * 10,
      () => 'nobody',
    );
    const client = new DataPlaneClient(transport, registry, APP);
    const settled: number[] = [];
    await Promise.all([1, 2, 3, 4, 5].map((seq) => client.send('r', message(seq)).then(() => settled.push(seq))));
    assert.deepEqual(await queued(transport), ['p1-1', 'p1-2', 'p1-3', 'p1-4', 'p1-5']);
    assert.deepEqual(settled, [1, 2, 3, 4, 5], 'and resolve in that order');
  });

  it('queue a refused message and everything after it behind it, in order, while accepted ones stay accepted', async () => {
    const transport = new ScriptedTransport(
      (m) => (m.seq === 2 ? 40 : 5),
      (m) => (m.seq === 1 ? 'accept' : 'refuse'),
    );
    const client = new DataPlaneClient(transport, registry, APP);
    await Promise.all([1, 2, 3, 4].map((seq) => client.send('r', message(seq))));
    assert.deepEqual(await queued(transport), ['p1-2', 'p1-3', 'p1-4']);
  });

  it('keep the streams of different senders apart: one waiting for its fallback does not hold up another', async () => {
    const transport = new ScriptedTransport(
      (m) => (m.from === 'a' ? 100 : 5),
      (m) => (m.from === 'a' ? 'refuse' : 'accept'),
    );
    const client = new DataPlaneClient(transport, registry, APP);
    const order: string[] = [];
    await Promise.all([
      client.send('r', message(1, 'a')).then(() => order.push('a1')),
      client.send('r', message(2, 'a')).then(() => order.push('a2')),
      client.send('r', message(1, 'b')).then(() => order.push('b1')),
      client.send('r', message(2, 'b')).then(() => order.push('b2')),
    ]);
    assert.deepEqual(order, ['b1', 'b2', 'a1', 'a2']);
  });
});
