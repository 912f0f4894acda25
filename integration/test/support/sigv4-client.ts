import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';

/**
 * A minimal S3 client written from the AWS Signature Version 4 specification with node:crypto and
 * node:http only, so tests can check what S3SwapStore wrote without going through the minio client.
 * Path-style, unsigned-payload-free (GET has an empty payload), region us-east-1.
 */
export class SigV4Client {
  private readonly url: URL;

  constructor(
    endpoint: string,
    private readonly accessKey: string,
    private readonly secretKey: string,
    private readonly region = 'us-east-1',
  ) {
    this.url = new URL(endpoint);
  }

  /** GET an object; undefined on 404. */
  async getObject(bucket: string, key: string): Promise<Buffer | undefined> {
    const res = await this.request('GET', `/${bucket}/${key}`, {});
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`GET ${bucket}/${key}: HTTP ${res.status} ${res.body.toString()}`);
    return res.body;
  }

  /** Every key under `prefix` with ListObjectsV2, following continuation tokens; also returns the page count. */
  async listAll(bucket: string, prefix: string): Promise<{ keys: string[]; pages: number }> {
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix };
      if (token) query['continuation-token'] = token;
      const res = await this.request('GET', `/${bucket}`, query);
      if (res.status !== 200) throw new Error(`list ${bucket}/${prefix}: HTTP ${res.status} ${res.body.toString()}`);
      const xml = res.body.toString('utf8');
      pages++;
      for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(unescapeXml(m[1]!));
      const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
      token = truncated
        ? unescapeXml(/<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1] ?? '')
        : undefined;
      if (truncated && !token) throw new Error('a truncated listing came without a continuation token');
    } while (token);
    return { keys, pages };
  }

  private request(
    method: string,
    path: string,
    query: Record<string, string>,
  ): Promise<{ status: number; body: Buffer }> {
    const now = new Date();
    const amzDate = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const payloadHash = createHash('sha256').update('').digest('hex');
    const canonicalUri = path
      .split('/')
      .map((segment) => uriEncode(segment))
      .join('/');
    const canonicalQuery = Object.keys(query)
      .sort()
      .map((k) => `${uriEncode(k)}=${uriEncode(query[k]!)}`)
      .join('&');
    const host = this.url.host;
    const headers: Record<string, string> = {
      host,
      'x-amz-content-sha256': payloadHash,
      'x-amz-date': amzDate,
    };
    const signedHeaders = Object.keys(headers).sort().join(';');
    const canonicalHeaders = Object.keys(headers)
      .sort()
      .map((k) => `${k}:${headers[k]}\n`)
      .join('');
    const canonicalRequest = [method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join(
      '\n',
    );
    const scope = `${day}/${this.region}/s3/aws4_request`;
    const stringToSign = [
      'AWS4-HMAC-SHA256',
      amzDate,
      scope,
      createHash('sha256').update(canonicalRequest).digest('hex'),
    ].join('\n');
    const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${this.secretKey}`, day), this.region), 's3'), 'aws4_request');
    const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
    const authorization = `AWS4-HMAC-SHA256 Credential=${this.accessKey}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          method,
          host: this.url.hostname,
          port: this.url.port,
          path: canonicalQuery ? `${canonicalUri}?${canonicalQuery}` : canonicalUri,
          headers: { ...headers, authorization },
          agent: false,
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (b: Buffer) => parts.push(b));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters. */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
