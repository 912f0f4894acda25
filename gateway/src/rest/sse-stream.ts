import type { ServerResponse } from 'node:http';

/**
 * One server-sent-events response: writes named events with JSON data, sends a comment now and
 * then so proxies keep the connection, and ends once (by the client leaving or the server stopping).
 */
export class SseStream {
  private readonly keepAlive: NodeJS.Timeout;
  private ended = false;
  private readonly onEndListeners: (() => void)[] = [];

  constructor(
    private readonly res: ServerResponse,
    keepAliveMs: number,
  ) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // An event stream holds its connection to the end; closing it then lets a stopping server finish at once.
      Connection: 'close',
      'X-Accel-Buffering': 'no',
    });
    // The head and a first comment go out now: a client that sees them knows the watch is in place.
    res.write(': watching\n\n');
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), keepAliveMs);
    res.on('close', () => this.end());
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Sends one event; `data` is serialized as one line of JSON. With an `id`, a client that
   * reconnects sends it back as `Last-Event-ID`.
   */
  send(event: string, data: unknown, id?: number): void {
    this.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Runs `listener` once when the stream ends, for whatever reason. */
  onEnd(listener: () => void): void {
    if (this.ended) listener();
    else this.onEndListeners.push(listener);
  }

  /** Ends the response (idempotent). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.keepAlive);
    if (!this.res.writableEnded) this.res.end();
    for (const l of this.onEndListeners.splice(0)) l();
  }

  private write(text: string): void {
    if (!this.ended && !this.res.writableEnded) this.res.write(text);
  }
}
