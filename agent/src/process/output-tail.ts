/**
 * The last lines a command printed, bounded in count and characters, for a
 * status reason an operator reads ("why did the health check fail?"). A
 * health command that prints megabytes must not grow the agent or the
 * status document, so older lines fall out as new ones come in.
 */
export class OutputTail {
  private readonly lines: string[] = [];
  private chars = 0;
  private dropped = 0;

  constructor(
    private readonly maxLines = 5,
    private readonly maxChars = 400,
  ) {}

  push(line: string): void {
    const text = line.trim();
    if (text === "") return;
    this.lines.push(text);
    this.chars += text.length;
    while (
      this.lines.length > this.maxLines ||
      (this.chars > this.maxChars && this.lines.length > 1)
    ) {
      const first = this.lines.shift() ?? "";
      this.chars -= first.length;
      this.dropped += 1;
    }
  }

  /** `a | b | c`, cut to the character budget; "" when nothing was printed. */
  text(): string {
    const joined = this.lines.join(" | ");
    const cut =
      joined.length > this.maxChars
        ? `...${joined.slice(joined.length - this.maxChars + 3)}`
        : joined;
    return this.dropped > 0 && cut !== "" ? `... | ${cut}` : cut;
  }
}
