import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "../support/temp.js";

/** Debian installs the broker in /usr/sbin, which is not on every PATH. */
export const MOSQUITTO = ["/usr/sbin/mosquitto", "mosquitto"];

/**
 * A Mosquitto broker on loopback for the external-broker tests, with the
 * settings a fleet needs (see the README): no cap on queued messages that
 * would silently drop statuses, a larger listen backlog is a kernel setting.
 */
export async function startMosquitto(
  dir: string,
  /** Password and ACL files; without them anyone may connect and use every topic. */
  auth?: { passwordFile: string; aclFile: string },
): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const conf = join(dir, "mosquitto.conf");
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      ...(auth === undefined
        ? ["allow_anonymous true"]
        : [
            "allow_anonymous false",
            // Started as root, Mosquitto drops to user "mosquitto", which cannot
            // read a test's private folder: stay the user who runs the tests.
            `user ${userInfo().username}`,
            `password_file ${auth.passwordFile}`,
            `acl_file ${auth.aclFile}`,
          ]),
      "persistence false",
      "max_queued_messages 0",
      "max_inflight_messages 0",
      "message_size_limit 262144",
      "",
    ].join("\n"),
  );
  let child: ChildProcess | null = null;
  for (const binary of MOSQUITTO) {
    try {
      child = spawn(binary, ["-c", conf], { stdio: "ignore" });
      await new Promise<void>((resolve, reject) => {
        child?.once("error", reject);
        setTimeout(resolve, 300);
      });
      break;
    } catch {
      child = null;
    }
  }
  if (child === null || child.exitCode !== null)
    throw new Error("mosquitto could not be started (apt-get install mosquitto)");
  const running = child;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (running.exitCode !== null) return resolve();
        running.once("exit", () => resolve());
        running.kill("SIGTERM");
      }),
  };
}
