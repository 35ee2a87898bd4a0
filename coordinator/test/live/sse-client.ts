// A server-sent events client over node:http for tests: a real socket, events parsed
// as they arrive, and a pause switch to play the slow reader.

import { type ClientRequest, type IncomingMessage, request } from "node:http";

export interface SseEvent {
  event: string;
  data: unknown;
}

export interface SseRefusal {
  status: number;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  /** `: ping` comments seen. */
  pings = 0;
  ended = false;
  private buffer = "";
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly req: ClientRequest,
    readonly res: IncomingMessage,
  ) {
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => this.receive(chunk));
    const end = () => {
      this.ended = true;
      this.wake();
    };
    res.on("end", end);
    res.on("close", end);
    res.on("error", end);
  }

  /** Opens `url` with `headers`; a non-200 answer is returned as a refusal (its JSON body read). */
  static open(url: string, headers: Record<string, string>): Promise<SseClient | SseRefusal> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: "text/event-stream", ...headers } }, (res) => {
        if (res.statusCode === 200) return resolve(new SseClient(req, res));
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      });
      req.on("error", reject);
      req.end();
    });
  }

  /** Opens a stream that must be accepted. */
  static async connect(url: string, headers: Record<string, string>): Promise<SseClient> {
    const opened = await SseClient.open(url, headers);
    if (!(opened instanceof SseClient))
      throw new Error(`stream refused: ${opened.status} ${JSON.stringify(opened.body)}`);
    return opened;
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end = this.buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let name: string | undefined;
      let data: string | undefined;
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) this.pings += line.trim() === ": ping" ? 1 : 0;
        else if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data = line.slice(6);
      }
      if (name !== undefined) this.events.push({ event: name, data: JSON.parse(data ?? "null") });
      end = this.buffer.indexOf("\n\n");
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Waits until `test` holds of the events so far (or the stream ended); fails after `timeoutMs`. */
  async until<T>(
    test: (events: readonly SseEvent[]) => T | undefined | false,
    timeoutMs = 10_000,
    what = "the expected events",
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = test(this.events);
      if (found !== undefined && found !== false) return found;
      if (this.ended)
        throw new Error(`stream ended before ${what}: ${JSON.stringify(this.events)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${what} within ${timeoutMs} ms: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The first event named `name` after index `from`. */
  next(name: string, from = 0, timeoutMs = 10_000): Promise<SseEvent> {
    return this.until(
      (events) => events.slice(from).find((e) => e.event === name),
      timeoutMs,
      `${name} event`,
    );
  }

  /** Stops reading (the socket's buffers fill; the server's writes start to report full). */
  pause(): void {
    this.res.pause();
  }

  resume(): void {
    this.res.resume();
  }

  close(): void {
    this.req.destroy();
  }
}
