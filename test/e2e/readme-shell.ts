import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TILLROLL_CLI } from "./coordinator-harness.js";

/**
 * What the README walk-through tests share: a section's JSON document and
 * shell lines as written, and a shell with `tillroll` on the PATH pointed at
 * a coordinator (TILLROLL_URL, TILLROLL_TOKEN), as a reader would have it.
 */

const readme = new URL("../../README.md", import.meta.url);

/** The first ```json block after `heading` and the shell lines of the ```sh block after it (comments left out). */
export async function walkthrough(heading: string): Promise<{ document: string; lines: string[] }> {
  const text = await readFile(readme, "utf8");
  const start = text.indexOf(heading);
  if (start < 0) throw new Error(`README has no section ${heading}`);
  const block = (fence: string, from: number) => {
    const open = text.indexOf(fence, from) + fence.length;
    const close = text.indexOf("```", open);
    return { body: text.slice(open, close), end: close };
  };
  const json = block("```json\n", start);
  const sh = block("```sh\n", json.end + 3);
  return {
    document: json.body,
    lines: sh.body.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#")),
  };
}

export interface Ran {
  line: string;
  code: number;
  stdout: string;
  stderr: string;
}

export class ReadmeShell {
  private constructor(
    /** The folder the lines run in (files they write land here). */
    readonly work: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** A `tillroll` on the PATH under `dir`/bin and a working folder `dir`/work. */
  static async create(dir: string, url: string, token: string): Promise<ReadmeShell> {
    const work = join(dir, "work");
    const bin = join(dir, "bin");
    await mkdir(work, { recursive: true });
    await mkdir(bin, { recursive: true });
    await writeFile(
      join(bin, "tillroll"),
      `#!/bin/sh\nexec "${process.execPath}" "${TILLROLL_CLI}" "$@"\n`,
    );
    await chmod(join(bin, "tillroll"), 0o755);
    return new ReadmeShell(work, {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      TILLROLL_URL: url,
      TILLROLL_TOKEN: token,
    });
  }

  /** Runs one line with sh in the working folder; any exit code. */
  run(line: string): Promise<Ran> {
    return new Promise<Ran>((resolve) => {
      execFile("sh", ["-c", line], { cwd: this.work, env: this.env }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ line, code, stdout, stderr });
      });
    });
  }
}
