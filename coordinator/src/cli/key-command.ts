import { resolve } from "node:path";
import { generateKeyFiles } from "../setup/signing-key.js";
import { ConsoleError } from "./console-client.js";

const USAGE = "usage: tillroll key generate DIR";

/**
 * `tillroll key generate DIR`: a new signing key pair for a rotation, in a
 * folder of its own; the coordinator's live key is not touched.
 */
export async function runKeyCommand(args: string[]): Promise<void> {
  const [action, dir, ...extra] = args;
  if (action !== "generate" || dir === undefined || extra.length > 0) throw new ConsoleError(USAGE);
  const folder = resolve(dir);
  const publicKey = await generateKeyFiles(folder);
  process.stdout.write(
    `${publicKey}\n` +
      `wrote ${folder}/signing-key.pem (secret: back it up) and ${folder}/signing-key.pub\n` +
      `next: copy signing-key.pub to DATA/signing-key.next.pub and restart the coordinator; new agent configs then pin both keys (README: "Signing key: backup and rotation")\n`,
  );
}
