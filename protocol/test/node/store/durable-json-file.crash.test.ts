import { spawnSync } from "node:child_process";
import * as fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { temporaryPath } from "../../../src/node/store/durable-fs.js";
import { type DurableFs, DurableJsonFile } from "../../../src/node/store/durable-json-file.js";

interface Till {
  version: string;
}
const validate = (raw: unknown): Till => {
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version !== "string") throw new Error("version must be a string");
  return { version };
};
const envelope = (version: string) =>
  `${JSON.stringify({ schemaVersion: 1, data: { version } }, null, 2)}\n`;

let dir: string;
let file: string;
let logs: string[];
const open = (fs?: DurableFs) =>
  new DurableJsonFile<Till>({
    path: file,
    schemaVersion: 1,
    validate,
    log: (m) => logs.push(m),
    fs,
  });

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), "tillroll-store-crash-"));
  file = path.join(dir, "till.json");
  logs = [];
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/**
 * The real fs, recording every mutation and fsync in order. Temp names are
 * random, so each is shown as tmp#1, tmp#2... in order of first appearance.
 */
function recordingFs(ops: string[], overrides: Partial<DurableFs> = {}): DurableFs {
  const temps = new Map<string, string>();
  const name = (p: string) => {
    const rel = path.relative(dir, p) || ".";
    if (!rel.includes(".tmp-")) return rel;
    if (!temps.has(p)) temps.set(p, `tmp#${temps.size + 1}`);
    return temps.get(p) as string;
  };
  return {
    open: async (f, flags) => {
      if (flags !== "r") ops.push(`open ${name(f)} ${flags}`);
      const h = await fsp.open(f, flags);
      return {
        writeFile: (data, enc) => h.writeFile(data, enc),
        sync: async () => {
          ops.push(`fsync ${name(f)}`);
          await h.sync();
        },
        close: () => h.close(),
      };
    },
    readFile: (f, enc) => fsp.readFile(f, enc),
    readdir: (d) => fsp.readdir(d),
    rename: async (a, b) => {
      ops.push(`rename ${name(a)} -> ${name(b)}`);
      await fsp.rename(a, b);
    },
    link: async (a, b) => {
      ops.push(`link ${name(a)} -> ${name(b)}`);
      await fsp.link(a, b);
    },
    copyFile: async (a, b) => {
      ops.push(`copy ${name(a)} -> ${name(b)}`);
      await fsp.copyFile(a, b);
    },
    unlink: async (f) => {
      ops.push(`unlink ${name(f)}`);
      await fsp.unlink(f);
    },
    ...overrides,
  };
}

describe("DurableJsonFile durability", () => {
  it("fsyncs the temp file before the rename and the folder after it", async () => {
    const ops: string[] = [];
    const s = open(recordingFs(ops));
    expect(await s.read()).toBeNull();
    await s.write({ version: "1.0.0" });
    expect(ops).toEqual(["open tmp#1 wx", "fsync tmp#1", "rename tmp#1 -> till.json", "fsync ."]);

    ops.length = 0;
    await s.write({ version: "1.1.0" });
    expect(ops).toEqual([
      "open tmp#2 wx",
      "fsync tmp#2",
      "link till.json -> tmp#3", // the previous good file becomes the backup...
      "rename tmp#3 -> till.json.bak", // ...atomically, before the main file is replaced
      "rename tmp#2 -> till.json",
      "fsync .",
    ]);
    expect(await s.read()).toEqual({ version: "1.1.0" });
  });

  it("backs up by copy + fsync where hard links are unsupported", async () => {
    const ops: string[] = [];
    const eperm = async () => {
      throw Object.assign(new Error("EPERM: operation not permitted, link"), { code: "EPERM" });
    };
    const s = open(recordingFs(ops, { link: eperm }));
    await s.write({ version: "1.0.0" });
    ops.length = 0;
    await s.write({ version: "2.0.0" });
    await s.write({ version: "3.0.0" });
    expect(ops.slice(0, 8)).toEqual([
      "open tmp#2 wx",
      "fsync tmp#2",
      "copy till.json -> tmp#3",
      "open tmp#3 r+",
      "fsync tmp#3",
      "rename tmp#3 -> till.json.bak",
      "rename tmp#2 -> till.json",
      "fsync .",
    ]);
    expect(await fsp.readFile(`${file}.bak`, "utf8")).toBe(envelope("2.0.0"));
    expect(logs.filter((m) => m.includes("hard links unsupported"))).toHaveLength(1);
  });

  it("ignores leftover temp files and removes them on open and on write", async () => {
    await fsp.writeFile(file, envelope("1.0.0"));
    const leftover = temporaryPath(file);
    await fsp.writeFile(leftover, '{"schemaVersion": 1, "data": {"vers');
    expect(await open().read()).toEqual({ version: "1.0.0" });
    expect(await fsp.readdir(dir)).toEqual(["till.json"]);
    expect(logs.join("\n")).toMatch(/removed temp file left by an interrupted write/);

    const another = temporaryPath(file);
    await fsp.writeFile(another, "");
    await open().write({ version: "2.0.0" }); // a write without a prior read cleans up too
    expect((await fsp.readdir(dir)).sort()).toEqual(["till.json", "till.json.bak"]);
  });
});

/**
 * Runs the store's write steps in a separate node process, which then kills
 * itself with SIGKILL: no finally blocks, no exit handlers, exactly where it
 * stands. The store's TypeScript cannot be imported by plain node, so the
 * steps are replayed by hand, mirroring DurableJsonFile's write sequence.
 */
const CHILD = `
import fs from "node:fs";
for (const [op, a, b] of JSON.parse(process.env.CRASH_STEPS)) {
  if (op === "write" || op === "writeUnsynced") {
    const fd = fs.openSync(a, "wx");
    fs.writeSync(fd, b);
    if (op === "write") fs.fsyncSync(fd);
    fs.closeSync(fd);
  } else if (op === "link") fs.linkSync(a, b);
  else if (op === "rename") fs.renameSync(a, b);
  else if (op === "fsyncDir") { const fd = fs.openSync(a, "r"); fs.fsyncSync(fd); fs.closeSync(fd); }
  else throw new Error("unknown step " + op);
}
process.kill(process.pid, "SIGKILL");
`;

type Step = [op: string, a: string, b?: string];

function crashAfter(steps: Step[]): void {
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", CHILD], {
    env: { ...process.env, CRASH_STEPS: JSON.stringify(steps) },
    encoding: "utf8",
  });
  expect(child.stderr).toBe("");
  expect(child.signal).toBe("SIGKILL");
}

describe("DurableJsonFile after a crash mid-write", () => {
  // Before each crash: till.json = 2.0.0 (previous), till.json.bak = 1.0.0; writing 3.0.0 (latest).
  const latest = envelope("3.0.0");
  const torn = latest.slice(0, latest.length / 2);
  const scenarios: Array<[string, (t: string, scratch: string) => Step[], string]> = [
    ["while writing the temp file", (t) => [["writeUnsynced", t, torn]], "2.0.0"],
    ["after fsyncing the temp file", (t) => [["write", t, latest]], "2.0.0"],
    [
      "after linking the backup",
      (t, s) => [
        ["write", t, latest],
        ["link", file, s],
      ],
      "2.0.0",
    ],
    [
      "after replacing the backup",
      (t, s) => [
        ["write", t, latest],
        ["link", file, s],
        ["rename", s, `${file}.bak`],
      ],
      "2.0.0",
    ],
    [
      "after renaming, before the folder fsync",
      (t, s) => [
        ["write", t, latest],
        ["link", file, s],
        ["rename", s, `${file}.bak`],
        ["rename", t, file],
      ],
      "3.0.0",
    ],
    [
      // What a writer that skips the fsync (lowdb's default) leaves after a power cut:
      // the rename reached the disk, the data did not. Plus a partial leftover temp.
      "with a torn main file and a partial temp file",
      (t, s) => [
        ["writeUnsynced", temporaryPath(file), torn.slice(0, 10)],
        ["writeUnsynced", t, torn],
        ["link", file, s],
        ["rename", s, `${file}.bak`],
        ["rename", t, file],
      ],
      "2.0.0",
    ],
  ];

  it.each(scenarios)(
    "killed %s: reads a complete state and recovers",
    async (_, steps, expected) => {
      const setup = open();
      await setup.write({ version: "1.0.0" });
      await setup.write({ version: "2.0.0" });

      crashAfter(steps(temporaryPath(file), temporaryPath(file)));

      const s = open();
      expect(await s.read()).toEqual({ version: expected });
      await s.write({ version: "4.0.0" });
      expect(await open().read()).toEqual({ version: "4.0.0" });
      // The recovered state is now the backup, and no crash litter remains.
      expect(await fsp.readFile(`${file}.bak`, "utf8")).toBe(envelope(expected));
      expect((await fsp.readdir(dir)).sort()).toEqual(["till.json", "till.json.bak"]);
    },
  );
});
