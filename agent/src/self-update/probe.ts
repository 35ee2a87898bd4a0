import { execFile } from "node:child_process";

export type ProbeResult = { ok: true; summary: string } | { ok: false; reason: string };

const MAX_OUTPUT = 1024 * 1024;

/** The last non-empty line of some output, cut to 300 characters. */
export function lastLine(text: string): string {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const line = lines[lines.length - 1]?.trim() ?? "";
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/**
 * Probes a new agent release before anything is switched: runs
 * `node <bundle> self-test --config <file>` (loads the config and the journal
 * read-only, connects to the broker under a client id of its own, exits 0).
 * Any other outcome, or no answer within `timeoutMs`, fails the probe.
 */
export function probeAgent(options: {
  bundle: string;
  configPath: string;
  timeoutMs: number;
  cwd: string;
  signal?: AbortSignal;
}): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [options.bundle, "self-test", "--config", options.configPath],
      {
        cwd: options.cwd,
        timeout: options.timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: MAX_OUTPUT,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ ok: true, summary: lastLine(stdout) });
          return;
        }
        const said = lastLine(stderr) || lastLine(stdout);
        const failure = error as NodeJS.ErrnoException & {
          code?: number | string;
          killed?: boolean;
          signal?: string | null;
        };
        const how =
          failure.killed === true && failure.signal === "SIGKILL"
            ? `gave no answer within ${Math.round(options.timeoutMs / 1000)} s`
            : typeof failure.code === "number"
              ? `exited with code ${failure.code}`
              : failure.signal
                ? `ended by ${failure.signal}`
                : `could not run (${failure.message})`;
        resolve({ ok: false, reason: said === "" ? how : `${how}: ${said}` });
      },
    );
  });
}
