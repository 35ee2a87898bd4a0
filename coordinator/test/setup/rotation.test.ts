// During a rotation, generated agent configs pin the current and the next key; the live key
// is untouched and still signs.

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Coordinator } from "../../src/coordinator.js";
import { generateKeyFiles } from "../../src/setup/signing-key.js";

let dir: string;
let coordinator: Coordinator | undefined;
afterEach(async () => {
  await coordinator?.stop();
  coordinator = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function enrol(c: Coordinator, id: string) {
  const token = (await readFile(join(dir, "data", "operator-token"), "utf8")).trim();
  const [store, workstation] = id.split("/");
  const answer = await fetch(`${c.httpUrl}/api/workstations`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ store, workstation }),
  });
  expect(answer.status).toBe(201);
  return ((await answer.json()) as { agentConfig: Record<string, unknown> }).agentConfig;
}

describe("key rotation, coordinator side", () => {
  it("signing-key.next.pub makes agent configs carry coordinatorKeys [current, next]", async () => {
    dir = await mkdtemp(join(tmpdir(), "tillroll-rotate-"));
    const data = join(dir, "data");
    const start = () =>
      Coordinator.start({ dataDir: data, mqttPort: 0, httpPort: 0, log: () => undefined });
    coordinator = await start();
    const before = await enrol(coordinator, "1001/01");
    expect(before.coordinatorKey).toMatch(/^ed25519:/);
    expect(before).not.toHaveProperty("coordinatorKeys");
    await coordinator.stop();

    const live = await readFile(join(data, "signing-key.pem"));
    const next = await generateKeyFiles(join(dir, "next"));
    await writeFile(join(data, "signing-key.next.pub"), `${next}\n`, { mode: 0o600 });
    coordinator = await start();
    const during = await enrol(coordinator, "1001/02");
    expect(during.coordinatorKey).toBe(before.coordinatorKey);
    expect(during.coordinatorKeys).toEqual([before.coordinatorKey, next]);
    expect(await readFile(join(data, "signing-key.pem"))).toEqual(live);
  });
});
