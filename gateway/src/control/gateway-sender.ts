import { newId, type InvokeEnvelope, type MessageEnvelope } from '@praas/framework';

/**
 * The gateway as a message sender (DESIGN §5): its sender id, its epoch, and its per-receiver
 * sequence numbers, which keep the FIFO order of its messages to a process across swaps and make
 * a retried id land once. Every envelope the gateway sends is built here, and nowhere else.
 */
export class GatewaySender {
  /** This gateway's identity as a message sender. */
  readonly senderId = `client:${newId().slice(0, 8)}`;
  private readonly epoch = newId();
  private readonly seq = new Map<string, number>();

  /** An invocation of `fn` (invocations carry no sequence number: each is answered on its own). */
  invocation(fn: string, data: Uint8Array, key?: string): InvokeEnvelope {
    return { t: 'inv', id: newId(), from: this.senderId, fn, ...(key === undefined ? {} : { key }), data };
  }

  /** The next message of this sender to `pid` of `app`, numbered after the previous one. */
  message(app: string, pid: string, key: string, data: Uint8Array): MessageEnvelope {
    const seqKey = `${app}/${pid}`;
    const seq = (this.seq.get(seqKey) ?? 0) + 1;
    this.seq.set(seqKey, seq);
    return { t: 'msg', id: newId(), from: this.senderId, epoch: this.epoch, seq, key, data };
  }
}
