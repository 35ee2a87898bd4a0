// The agent's staging folder, as a map of paths: the same layout refusals as its
// StagingWriter (protocol/src/node/pack/staging-writer.ts), with the same words, and the same byte
// counts, without creating a file. Methods return the violated rule, or null.

type Kind = "file" | "folder";

export class PathTree {
  readonly #kinds = new Map<string, Kind>();
  #open: { declared: number; written: number } | undefined;
  readonly files: string[] = [];
  bytes = 0;

  constructor(private readonly maxBytes: number) {}

  kindOf(segments: readonly string[]): Kind | undefined {
    return this.#kinds.get(segments.join("/"));
  }

  /** Parents the archive does not list are made implicitly, as `mkdir -p` would. */
  #ensureParent(segments: readonly string[]): string | null {
    for (let depth = 1; depth < segments.length; depth += 1) {
      const path = segments.slice(0, depth).join("/");
      const kind = this.#kinds.get(path);
      if (kind === "file") {
        const code = depth === segments.length - 1 ? "EEXIST" : "ENOTDIR";
        return `cannot create parent folder (${code})`;
      }
      if (kind === undefined) this.#kinds.set(path, "folder");
    }
    return null;
  }

  addFolder(segments: readonly string[]): string | null {
    if (segments.length === 0) return null; // the `./` entry: the root
    const parent = this.#ensureParent(segments);
    if (parent !== null) return parent;
    const path = segments.join("/");
    // Re-listing a folder is fine; turning a file into a folder is not.
    if (this.#kinds.get(path) === "file") return "cannot create folder (EEXIST)";
    this.#kinds.set(path, "folder");
    return null;
  }

  addFile(segments: readonly string[], declared: number): string | null {
    if (segments.length === 0) return "a file cannot replace the pack root";
    const closing = this.closeFile();
    if (closing !== null) return closing;
    const parent = this.#ensureParent(segments);
    if (parent !== null) return parent;
    const path = segments.join("/");
    if (this.#kinds.has(path)) return "cannot create file (duplicate entry)";
    this.#kinds.set(path, "file");
    this.files.push(path);
    this.#open = { declared, written: 0 };
    return null;
  }

  /** Counts data of the open file against its header and the pack's size cap. */
  count(length: number): string | null {
    const file = this.#open;
    if (file === undefined) return "data outside of a file entry";
    file.written += length;
    this.bytes += length;
    if (file.written > file.declared)
      return `entry holds more data than its header declares (${file.declared} bytes)`;
    if (this.bytes > this.maxBytes) return `pack exceeds the size limit of ${this.maxBytes} bytes`;
    return null;
  }

  closeFile(): string | null {
    const file = this.#open;
    this.#open = undefined;
    if (file === undefined || file.written === file.declared) return null;
    return `entry data is truncated (${file.written} of ${file.declared} bytes)`;
  }
}
