import type { connectNats } from '@praas/framework/nats';
import {
  NATS_COUNT_DONE_SUBJECT,
  NATS_COUNT_START_SUBJECT,
  NATS_COUNT_SUBJECT,
  NATS_PING_SUBJECT,
  NATS_PONG_SUBJECT,
  NATS_RR_SUBJECT,
} from './nats-peer';
import { within } from './peer-process';

type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

/**
 * The bench process's side of the raw NATS baseline (peer: `nats-peer.ts`): request/reply,
 * publish/subscribe ping-pong and pipelined publishes, on a connection the caller owns.
 */
export class NatsBaseline {
  private pong: (() => void) | undefined;
  private counted: (() => void) | undefined;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
    private readonly subscriptions: { unsubscribe(): void }[],
  ) {}

  static async open(nc: NatsConnection, timeoutMs = 30_000): Promise<NatsBaseline> {
    const subscriptions: { unsubscribe(): void }[] = [];
    const baseline: NatsBaseline = new NatsBaseline(nc, timeoutMs, subscriptions);
    subscriptions.push(
      nc.subscribe(NATS_PONG_SUBJECT, { callback: () => baseline.pong?.() }),
      nc.subscribe(NATS_COUNT_DONE_SUBJECT, { callback: () => baseline.counted?.() }),
    );
    await nc.flush();
    return baseline;
  }

  /** One request with `payload`, answered with an empty reply. */
  requestReply(payload: Uint8Array): Promise<unknown> {
    return this.nc.request(NATS_RR_SUBJECT, payload, { timeout: this.timeoutMs });
  }

  /** Publishes `payload` as a ping and resolves when the peer's pong arrived. */
  pingPong(payload: Uint8Array): Promise<void> {
    return within(
      this.timeoutMs,
      'nats ping-pong',
      new Promise<void>((resolve) => {
        this.pong = resolve;
        this.nc.publish(NATS_PING_SUBJECT, payload);
      }),
    );
  }

  /** Announces `count`, publishes `count` messages of `payload` back to back and waits until the peer has them all. */
  async publishBatch(count: number, payload: Uint8Array): Promise<void> {
    const announce = Buffer.allocUnsafe(4);
    announce.writeUInt32BE(count, 0);
    await this.nc.request(NATS_COUNT_START_SUBJECT, announce, { timeout: this.timeoutMs });
    const counted = new Promise<void>((resolve) => (this.counted = resolve));
    for (let i = 0; i < count; i++) this.nc.publish(NATS_COUNT_SUBJECT, payload);
    await this.nc.flush();
    await within(this.timeoutMs, `the nats peer counting ${count} messages`, counted);
  }

  close(): void {
    for (const s of this.subscriptions) s.unsubscribe();
  }
}
