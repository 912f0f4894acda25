import { newId, receiverKey, SequencedSender, type InvokeEnvelope, type MessageEnvelope } from '@praas/framework';

/**
 * The gateway as a message sender (DESIGN §5): one framework `SequencedSender` (sender id, epoch,
 * sequence numbers per receiver, the one sending path of processes, clients and gateway), keyed by
 * application and pid since one gateway sends to every application. Every envelope the gateway
 * sends is built here, and nowhere else.
 */
export class GatewaySender {
  private readonly sender = new SequencedSender(`client:${newId().slice(0, 8)}`);

  /** This gateway's identity as a message sender. */
  get senderId(): string {
    return this.sender.from;
  }

  /** An invocation of `fn` (invocations carry no sequence number: each is answered on its own). */
  invocation(fn: string, data: Uint8Array, key?: string): InvokeEnvelope {
    return this.sender.invocation(fn, data, { key });
  }

  /** The next message of this sender to `pid` of `app`, numbered after the previous one. */
  message(app: string, pid: string, key: string, data: Uint8Array): MessageEnvelope {
    return this.sender.message(receiverKey(app, pid), key, data);
  }
}
