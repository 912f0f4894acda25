/** One server-sent event: its name (`message` when unnamed) and its data lines joined by line feeds. */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: string;
  /** The event's `id` field, when it has one (what a reconnecting client sends as `Last-Event-ID`). */
  readonly id?: string;
}

/**
 * Incremental parser of a `text/event-stream` body (the subset the gateway sends: `id:`,
 * `event:`, `data:` and comment lines). Feed it text as it arrives; it calls `onEvent` per complete event.
 */
export class SseParser {
  private buffer = '';

  constructor(private readonly onEvent: (event: ServerSentEvent) => void) {}

  feed(text: string): void {
    this.buffer += text.replace(/\r\n?/g, '\n');
    let at: number;
    while ((at = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id' && !value.includes('\0')) id = value;
      }
      if (data.length) this.onEvent({ event, data: data.join('\n'), ...(id === undefined ? {} : { id }) });
    }
  }
}
