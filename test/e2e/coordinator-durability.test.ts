// "An answer of success means the change is durable; a failed write changes nothing."
// A real coordinator process: killed with kill -9 right after a 200, and run on a small
// tmpfs that fills up and is freed again.

import { execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildPack } from "../support/packs.js";
import { type TempDir, tempDir } from "../support/temp.js";
import { CoordinatorProcess } from "./coordinator-harness.js";
import type { JsonRow } from "./coordinator-kit.js";
import { jsonOnly } from "./test-store.js";

const TILLS = 1000;

async function enrolMany(coordinator: CoordinatorProcess, count: number): Promise<void> {
  const workstations = Array.from({ length: count }, (_, i) => ({
    store: String(3001 + Math.floor(i / 10)),
    workstation: String((i % 10) + 1).padStart(2, "0"),
    group: "DE/North",
  }));
  const answer = await fetch(`${coordinator.url}/api/workstations`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await coordinator.token()}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ workstations }),
  });
  expect(answer.status).toBe(201);
}

/** Runs a console command expected to fail; resolves its stderr. */
async function consoleFails(coordinator: CoordinatorProcess, ...args: string[]): Promise<string> {
  return coordinator.console(...args).then(
    (stdout) => {
      throw new Error(`expected ${args.join(" ")} to fail, it printed ${stdout}`);
    },
    (error: { stderr: string }) => error.stderr,
  );
}

describe("coordinator durability", () => {
  let dir: TempDir | undefined;
  let coordinator: CoordinatorProcess | undefined;
  let mounted: string | undefined;
  afterEach(async () => {
    await coordinator?.close().catch(() => undefined);
    coordinator = undefined;
    if (mounted !== undefined) execFileSync("umount", ["-l", mounted]);
    mounted = undefined;
    await dir?.cleanup();
  });

  it(`kill -9 right after the 200 for set-preferred --install on ${TILLS} tills loses no row`, async () => {
    dir = await tempDir("coord-durable");
    const dataDir = join(dir.path, "data");
    coordinator = await CoordinatorProcess.create(dataDir);
    await coordinator.start();
    const pack = await buildPack(join(dir.path, "pack"), { name: "pos-client", version: "1.0.0" });
    await coordinator.console("pack", "publish", pack.path);
    await enrolMany(coordinator, TILLS);

    // Straight over HTTP, so the kill follows the answer within microseconds.
    const answer = await fetch(`${coordinator.url}/api/set-preferred`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await coordinator.token()}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        function: "pos-client",
        version: "1.0.0",
        install: true,
        filters: { group: "DE" },
      }),
    });
    expect(answer.status).toBe(200);
    await coordinator.kill9(); // the operator has the 200: nothing may be lost from here
    // Leftovers of a publish killed midway, planted while the coordinator is down.
    await mkdir(join(dataDir, "uploads"), { recursive: true });
    await writeFile(join(dataDir, "uploads", "upload-0123456789ab.tgz"), Buffer.alloc(1 << 20));
    await writeFile(join(dataDir, "packs", ".incoming-1-abcdef.tgz"), Buffer.alloc(1 << 20));
    await coordinator.start();

    const rows = await coordinator.consoleJson<JsonRow[]>("status", "--function", "pos-client");
    expect(rows).toHaveLength(TILLS);
    expect(rows.every((r) => r.preferredVersion === "1.0.0" && r.status === "Prepared")).toBe(true);
    expect(await readdir(join(dataDir, "uploads"))).toEqual([]);
    expect((await readdir(join(dataDir, "packs"))).filter((n) => n.startsWith("."))).toEqual([]);

    // Every data file is the owner's alone.
    for (const name of await readdir(dataDir)) {
      const st = await stat(join(dataDir, name));
      if (st.isFile() && !name.endsWith(".pub"))
        expect([name, st.mode & 0o777]).toEqual([name, 0o600]);
    }
  }, 120_000);

  it.skipIf(
    jsonOnly(
      "fills the data folder's disk and reads DATA/coordinator.json and audit.jsonl (PostgreSQL keeps neither there)",
    ),
  )(
    "a full disk refuses an enrolment and changes nothing; once freed, the same enrolment works",
    async (ctx) => {
      dir = await tempDir("coord-diskfull");
      const dataDir = join(dir.path, "data");
      await mkdir(dataDir);
      try {
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", dataDir], {
          stdio: "pipe",
        });
        mounted = dataDir;
      } catch (error) {
        ctx.skip(`cannot mount a tmpfs to fill up (needs root): ${(error as Error).message}`);
      }
      coordinator = await CoordinatorProcess.create(dataDir);
      await coordinator.start();
      await coordinator.console("workstation", "add", "1001/01");

      // Fill the disk: write until the file system says it is full.
      const filler = join(dataDir, "filler");
      await writeFile(filler, Buffer.alloc(32 * 1024 * 1024)).catch((error: { code?: string }) => {
        expect(error.code).toBe("ENOSPC");
      });

      const refused = await consoleFails(coordinator, "workstation", "add", "1001/02", "--json");
      expect(refused).toMatch(/cannot save .*coordinator\.json \(ENOSPC/);
      expect(refused).toMatch(/the change was not made/);
      expect(refused).not.toMatch(/\n\s+at /);
      // Still full: refused again the same way, not "already enrolled".
      expect(await consoleFails(coordinator, "workstation", "add", "1001/02")).toMatch(/ENOSPC/);

      await rm(filler);
      const enrolled = JSON.parse(
        await coordinator.console("workstation", "add", "1001/02", "--json"),
      ) as { username: string; password: string };
      expect(enrolled.password.length).toBeGreaterThan(20);
      // Later writes work too, and the refused attempts left no trace in the audit.
      await coordinator.console("workstation", "add", "1001/03");
      const audit = (await readFile(join(dataDir, "audit.jsonl"), "utf8")).trim().split("\n");
      expect(audit.map((line) => JSON.parse(line).details.first.workstation)).toEqual([
        "01",
        "02",
        "03",
      ]);

      await coordinator.stop();
      await coordinator.start();
      const state = JSON.parse(await readFile(join(dataDir, "coordinator.json"), "utf8")) as {
        data: { workstations: Record<string, unknown> };
      };
      expect(Object.keys(state.data.workstations).sort()).toEqual([
        "1001/01",
        "1001/02",
        "1001/03",
      ]);
    },
    60_000,
  );
});
