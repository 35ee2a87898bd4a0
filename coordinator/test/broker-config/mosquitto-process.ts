import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, connect as netConnect } from "node:net";

/** Debian installs the broker in /usr/sbin, which is not on every PATH. */
const MOSQUITTO = "/usr/sbin/mosquitto";

export interface MosquittoProcess {
  /** Everything Mosquitto logged, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `mosquitto -c conf` and waits (at most 10 s) until `port` accepts connections. */
export async function startMosquitto(conf: string, port: number): Promise<MosquittoProcess> {
  const child: ChildProcess = spawn(MOSQUITTO, ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`mosquitto exited with ${child.exitCode}:\n${output}`);
    }
    const ready = await Promise.race([
      portOpen(port),
      spawnError.then((error) => {
        throw new Error(`mosquitto could not be started (${MOSQUITTO}): ${error.message}`);
      }),
    ]);
    if (ready) return { log: () => output, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`mosquitto did not listen on ${port} within 10 s:\n${output}`);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
