import { ConsoleError } from "./console-client.js";

/** Placeholder until the demo lands: says so instead of pretending. */
export async function runDemo(): Promise<void> {
  throw new ConsoleError("the demo is not built yet");
}
