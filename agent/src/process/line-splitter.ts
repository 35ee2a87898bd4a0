/** Longest line delivered to listeners; the rest of an over-long line is dropped. */
export const MAX_LINE_LENGTH = 4096;

/**
 * Turns a stream of text chunks into whole lines.
 *
 * Chunks from a pipe split lines arbitrarily, and log consumers want one record
 * per line. A child that prints megabytes without a newline must not make the
 * agent buffer all of it on a till with little memory, so a line is emitted as
 * soon as it reaches `maxLength` and everything up to the next newline is
 * discarded.
 */
export class LineSplitter {
  readonly #emit: (line: string) => void;
  readonly #maxLength: number;
  #buffer = "";
  /** True while skipping the tail of a line that was already emitted capped. */
  #discarding = false;

  constructor(emit: (line: string) => void, maxLength = MAX_LINE_LENGTH) {
    this.#emit = emit;
    this.#maxLength = maxLength;
  }

  /** Feeds decoded text; emits every line completed by it. */
  push(text: string): void {
    let start = 0;
    for (;;) {
      const newline = text.indexOf("\n", start);
      if (newline === -1) {
        this.#append(text.slice(start));
        return;
      }
      this.#append(text.slice(start, newline));
      if (!this.#discarding) this.#deliver(this.#buffer);
      this.#buffer = "";
      this.#discarding = false;
      start = newline + 1;
    }
  }

  /** Emits a trailing partial line, e.g. when the child exits without a final newline. */
  flush(): void {
    if (!this.#discarding && this.#buffer !== "") this.#deliver(this.#buffer);
    this.#buffer = "";
    this.#discarding = false;
  }

  #append(piece: string): void {
    if (this.#discarding || piece === "") return;
    this.#buffer += piece;
    if (this.#buffer.length >= this.#maxLength) {
      this.#deliver(this.#buffer.slice(0, this.#maxLength));
      this.#buffer = "";
      this.#discarding = true;
    }
  }

  #deliver(line: string): void {
    // CRLF output (scripts written on Windows, some JVM loggers) should not leave a stray \r.
    this.#emit(line.endsWith("\r") ? line.slice(0, -1) : line);
  }
}
