import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../../../src/internal';
import {
  decodeRequest,
  encodeFrame,
  encodeRequest,
  FrameKind,
  FrameReader,
  HEADER_BYTES,
  type Frame,
} from '../../../src/transport/direct/frame';

const collect = (maxFrameBytes?: number): { reader: FrameReader; frames: Frame[] } => {
  const frames: Frame[] = [];
  // Copied: a frame's body is a view valid only while the handler runs.
  const reader = new FrameReader(
    (f) => frames.push({ kind: f.kind, id: f.id, body: Uint8Array.from(f.body) }),
    maxFrameBytes,
  );
  return { reader, frames };
};

describe('direct data plane framing', () => {
  it('carries requests: id, subject and payload come back exactly', () => {
    const payload = Uint8Array.from({ length: 300 }, (_, i) => i % 251);
    const { reader, frames } = collect();
    reader.push(Buffer.concat(encodeRequest(7, 'praas.demo.p.w1', payload)));
    assert.equal(frames.length, 1);
    assert.deepEqual([frames[0]!.kind, frames[0]!.id], [FrameKind.Request, 7]);
    const { subject, payload: back } = decodeRequest(frames[0]!.body);
    assert.equal(subject, 'praas.demo.p.w1');
    assert.deepEqual(back, payload);
  });

  it('does not copy a large payload into the frame: it goes out as its own buffer', () => {
    const payload = Buffer.alloc(1024 * 1024, 3);
    const parts = encodeRequest(1, 's', payload);
    assert.equal(parts.length, 2);
    assert.equal(parts[1]!.buffer, payload.buffer, 'the payload itself, not a copy');
    const small = encodeFrame(FrameKind.Reply, 2, new Uint8Array(10));
    assert.equal(small.length, 1, 'a small frame is one buffer: one write');
    assert.equal(small[0]!.length, HEADER_BYTES + 10);
  });

  it('cuts any stream of frames into the same frames, however the bytes are chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ maxLength: 20_000 })), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 1, maxLength: 40 }),
        (sent, cuts) => {
          const bytes = Buffer.concat(sent.flatMap(([id, body]) => encodeFrame(FrameKind.Reply, id, body)));
          const { reader, frames } = collect();
          let offset = 0;
          for (let i = 0; offset < bytes.length; i++) {
            const size = cuts[i % cuts.length]!;
            reader.push(bytes.subarray(offset, offset + size));
            offset += size;
          }
          assert.deepEqual(
            frames.map((f) => [f.id, Buffer.from(f.body)]),
            sent.map(([id, body]) => [id, Buffer.from(body)]),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a frame that announces more than the limit, before buffering it', () => {
    const { reader } = collect(1024);
    const header = encodeFrame(FrameKind.Reply, 1, new Uint8Array(2048))[0]!.subarray(0, HEADER_BYTES);
    assert.throws(
      () => reader.push(header),
      (e: unknown) => e instanceof DecodeError && /over the limit/.test(e.message),
    );
  });

  it('refuses a request whose subject length runs past its body', () => {
    assert.throws(() => decodeRequest(Uint8Array.from([0, 9, 1, 2])), DecodeError);
  });
});
