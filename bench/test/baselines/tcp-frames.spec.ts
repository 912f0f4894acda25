import assert from 'node:assert/strict';
import { FrameDecoder, frame, frameHeader, MAX_FRAME_BYTES } from '../../src/baselines/tcp-frames';

const bytes = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);

describe('tcp frames', () => {
  it('decodes several frames that arrive in one chunk, empty ones included', () => {
    const decoder = new FrameDecoder();
    const stream = Buffer.concat([frame(bytes(3, 1)), frame(bytes(0, 0)), frame(bytes(5, 2))]);
    assert.deepEqual(decoder.push(stream), [bytes(3, 1), bytes(0, 0), bytes(5, 2)]);
  });

  it('decodes a frame cut at every byte, header included', () => {
    const whole = Buffer.concat([frame(bytes(10, 7)), frame(bytes(2, 8))]);
    for (let cut = 1; cut < whole.length; cut++) {
      const decoder = new FrameDecoder();
      const frames = [...decoder.push(whole.subarray(0, cut)), ...decoder.push(whole.subarray(cut))];
      assert.deepEqual(frames, [bytes(10, 7), bytes(2, 8)], `cut at ${cut}`);
    }
  });

  it('decodes a large frame that arrives in many small chunks, and what follows it', () => {
    const body = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));
    const whole = Buffer.concat([frame(body), frame(bytes(1, 9))]);
    const decoder = new FrameDecoder();
    const frames: Buffer[] = [];
    for (let at = 0; at < whole.length; at += 4_093) frames.push(...decoder.push(whole.subarray(at, at + 4_093)));
    assert.equal(frames.length, 2);
    assert.ok(frames[0]!.equals(body));
    assert.deepEqual(frames[1], bytes(1, 9));
  });

  it('refuses a header announcing more than the limit, and a length that is no frame length', () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    assert.throws(() => new FrameDecoder().push(header), /frame of 67108865 bytes announced; at most 67108864/);
    assert.throws(() => frameHeader(-1), /frame length must be an integer from 0 to 67108864, got -1/);
    assert.throws(() => frameHeader(1.5), /got 1.5/);
  });
});
