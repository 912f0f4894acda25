import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client } from 'minio';
import { startS3rver, type S3Service } from '@praas/test-services';

describe('s3rver as the harness starts it', function () {
  let s3: S3Service;
  before(async () => {
    s3 = await startS3rver();
  });
  after(async () => {
    await s3?.stop();
  });

  it('never shows a reader an object before all of its bytes are there, as real S3 does', async function () {
    const url = new URL(s3.endpoint);
    const client = new Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: s3.accessKey,
      secretKey: s3.secretKey,
      region: 'us-east-1',
    });
    await client.makeBucket('atomic-puts');
    const read = async (key: string): Promise<Buffer | undefined> => {
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of await client.getObject('atomic-puts', key)) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      } catch (e) {
        if ((e as { code?: string }).code === 'NoSuchKey') return undefined;
        throw e;
      }
    };
    // Like the k-means S3 exchange: one side writes an object, the other polls until it appears.
    for (let i = 0; i < 30; i++) {
      const body = randomBytes(512 * 1024);
      const key = `part-${i}`;
      const written = client.putObject('atomic-puts', key, body, body.length);
      let seen: Buffer | undefined;
      while (!(seen = await read(key)));
      await written;
      assert.equal(seen.length, body.length, `object ${i} appeared with ${seen.length} of ${body.length} bytes`);
      assert.ok(seen.equals(body), `object ${i} appeared with other bytes`);
    }
  });
});
