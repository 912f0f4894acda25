import { connect } from 'node:net';
import { mulberry32 } from '@praas/samples-shared';
import { FuzzGenerator } from './fuzz-generator';
import { http } from './http-request';

/** Sends bytes that are not HTTP at all; node:http answers 400 and closes. */
export function rawGarbage(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer to garbage within 10 s'));
    }, 10_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', () => undefined);
    socket.end(Buffer.concat([bytes, Buffer.from('\r\n\r\n')]));
  });
}

/** What {@link fuzzGateway} should send. */
export interface FuzzGatewayOptions {
  /** Base URL of the gateway's REST API, e.g. `http://127.0.0.1:40123`. */
  readonly baseUrl: string;
  /** Its port, for raw garbage that is not HTTP at all. */
  readonly httpPort: number;
  /** Seeds the requests (and, plus one, the garbage), so a failing run can be repeated. */
  readonly seed: number;
  readonly app: string;
  readonly pid: string;
  readonly fn: string;
  /** The gateway's body limit in bytes. */
  readonly bodyLimitBytes: number;
  readonly requests: number;
  /** How many raw garbage byte strings to send after the requests. */
  readonly garbage: number;
  /** `Authorization` header sent with every request, so the requests get past authentication to what they test. */
  readonly authorization?: string;
}

/** What {@link fuzzGateway} saw. */
export interface FuzzGatewayReport {
  /** One line per wrong answer: not a 4xx, a 4xx without `{ error: { code, message } }`, a stack trace. */
  readonly failures: string[];
  /** How many requests of each {@link FuzzRequest.kind} were sent. */
  readonly kinds: Map<string, number>;
  /** How many answers had each HTTP status. */
  readonly statuses: Map<number, number>;
}

/**
 * Sends a gateway `requests` wrong requests from a {@link FuzzGenerator} (24 at a time), then
 * `garbage` connections of random bytes, and reports every answer that is not a clean 4xx.
 */
export async function fuzzGateway(options: FuzzGatewayOptions): Promise<FuzzGatewayReport> {
  const { seed } = options;
  const generator = new FuzzGenerator(mulberry32(seed), options.app, options.pid, options.fn, options.bodyLimitBytes);
  const failures: string[] = [];
  const kinds = new Map<string, number>();
  const statuses = new Map<number, number>();
  const requests = Array.from({ length: options.requests }, () => generator.next());
  for (let i = 0; i < requests.length; i += 24) {
    await Promise.all(
      requests.slice(i, i + 24).map(async (r) => {
        const auth: Record<string, string> =
          options.authorization === undefined ? {} : { authorization: options.authorization };
        const res = await http(options.baseUrl, r.method, r.path, {
          ...r.options,
          headers: { ...auth, ...r.options.headers },
        });
        const where = `seed ${seed}, ${r.kind}: ${r.method} ${r.path.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
        if (!(res.status >= 400 && res.status < 500)) failures.push(where);
        else if (r.method !== 'HEAD' && res.text !== '') {
          const error = (res.json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
          if (typeof error?.code !== 'string' || typeof error.message !== 'string') failures.push(where);
          if (/\n\s+at /.test(res.text)) failures.push(`stack trace: ${where}`);
        }
        kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }),
    );
  }
  const random = mulberry32(seed + 1);
  for (let i = 0; i < options.garbage; i++) {
    const garbage = Buffer.from(
      Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)),
    );
    const answer = await rawGarbage(options.httpPort, garbage);
    if (!/^HTTP\/1\.1 4\d\d /.test(answer))
      failures.push(`seed ${seed}, garbage got: ${JSON.stringify(answer.slice(0, 100))}`);
  }
  return { failures, kinds, statuses };
}
