import assert from 'node:assert/strict';
import { InvalidArgumentError, parseS3Endpoint, s3ClientSettings } from '../../src/internal';

describe('S3 endpoint settings', () => {
  it("parses host, port and scheme, the port defaulting to the scheme's", () => {
    assert.deepEqual(parseS3Endpoint('http://127.0.0.1:9000'), { host: '127.0.0.1', port: 9000, useSSL: false });
    assert.deepEqual(parseS3Endpoint('https://s3.example.com/'), { host: 's3.example.com', port: 443, useSSL: true });
    assert.deepEqual(parseS3Endpoint('http://minio'), { host: 'minio', port: 80, useSSL: false });
  });

  it('rejects what is not an http(s) URL without a path, saying what is wrong', () => {
    const rejects = (endpoint: string, message: RegExp): void =>
      assert.throws(
        () => parseS3Endpoint(endpoint),
        (e: Error) => e instanceof InvalidArgumentError && message.test(e.message),
      );
    rejects('127.0.0.1:9000', /is not a URL/);
    rejects('not a url', /is not a URL; expected e\.g\. http:\/\/127\.0\.0\.1:9000/);
    rejects('ftp://host', /must use http: or https:, not ftp:/);
    rejects('http://host:9000/bucket', /must not have a path; name the bucket apart/);
  });

  it('gives path-style minio settings with the region defaulting to us-east-1', () => {
    const keys = { accessKey: 'a', secretKey: 's' };
    assert.deepEqual(s3ClientSettings({ endpoint: 'https://s3.example.com:8443', ...keys }), {
      endPoint: 's3.example.com',
      port: 8443,
      useSSL: true,
      accessKey: 'a',
      secretKey: 's',
      region: 'us-east-1',
      pathStyle: true,
    });
    assert.equal(s3ClientSettings({ endpoint: 'http://h', ...keys, region: 'eu-west-1' }).region, 'eu-west-1');
  });
});
