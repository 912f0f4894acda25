import {
  newId,
  receiverKey,
  SequencedSender,
  type InvokeEnvelope,
  type MessageEnvelope,
} from '@praas/framework/internal';

/**
 * The gateway as a message sender (DESIGN §5): one sender identity per gateway, on the framework's
 * one sending path (`SequencedSender`: epoch, per-receiver sequence numbers, envelope building),
 * with receivers named by application and pid. The numbers keep the FIFO order of its messages to
 * a process across swaps and make a retried id land once.
 */
export class GatewaySender {
  private readonly sender = new SequencedSender(`client:${newId().slice(0, 8)}`);

  /** This gateway's identity as a message sender. */
  get senderId(): string {
    return this.sender.from;
  }

  /** An invocation of `fn` (invocations carry no sequence number: each is answered on its own). */
  invocation(fn: string, data: Uint8Array, key?: string): InvokeEnvelope {
    return this.sender.invocation(fn, data, key === undefined ? {} : { key });
  }

  /** The next message of this sender to `pid` of `app`, numbered after the previous one. */
  message(app: string, pid: string, key: string, data: Uint8Array): MessageEnvelope {
    return this.sender.message(receiverKey(app, pid), key, data);
  }
}
