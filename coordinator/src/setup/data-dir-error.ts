import { StartupError } from "./startup-error.js";

/**
 * A problem with the data folder that stops the coordinator from starting:
 * the message names the file and what to do (the CLI prints it as one line,
 * without a stack trace).
 */
export class DataDirError extends StartupError {}

/** An I/O error as one short phrase for a message (Node's text carries the code: `ENOSPC: …`). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
