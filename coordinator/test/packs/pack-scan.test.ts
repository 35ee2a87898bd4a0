// The coordinator checks packs without extracting them: the same verdicts as the agent's
// extraction (same words), and never the pack's expanded size on disk.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extractPackSafely } from "@tillroll/protocol/node/extract";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostile } from "../../../protocol/test/node/pack/hostile-cases.js";
import { LIMITS } from "../../../protocol/test/node/pack/pack-workspace.js";
import { file, rawTgz } from "../../../protocol/test/node/pack/tar-writer.js";
import { scanPack } from "../../src/packs/pack-scan.js";
import { buildPack, descriptorFor, openStore, useWorkspace } from "./pack-fixtures.js";

describe("scanPack gives the agent's verdict on hostile or broken packs", () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), "tillroll-scan-"));
    mkdirSync(join(work, "victim"));
    writeFileSync(join(work, "sentinel.txt"), "original sentinel");
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it.each(hostile)("$name", async (c) => {
    const archive = join(work, "pack.tgz");
    writeFileSync(archive, c.archive(work));
    const limits = c.limits ?? LIMITS;
    const agent = await extractPackSafely(archive, join(work, "staging"), limits);
    const before = readdirSync(work, { recursive: true }).sort();
    const scanned = await scanPack(archive, limits);
    expect(agent.ok).toBe(false);
    expect(scanned.ok).toBe(false);
    // Word for word, so an operator sees at publish what a till would say.
    expect(scanned.ok ? "" : scanned.error).toBe(agent.ok ? "" : agent.reason);
    expect(readdirSync(work, { recursive: true }).sort()).toEqual(before);
  });

  it("accepts what the agent accepts and lists its files", async () => {
    const archive = join(work, "pack.tgz");
    writeFileSync(
      archive,
      rawTgz([file("function-pack-descriptor.json", "{}"), file("bin/start", "#!/bin/sh\n")]),
    );
    const scanned = await scanPack(archive, LIMITS);
    expect(scanned).toMatchObject({
      ok: true,
      value: { files: ["function-pack-descriptor.json", "bin/start"], descriptorKind: "file" },
    });
    expect(scanned.ok && scanned.value.descriptor?.toString()).toBe("{}");
  });
});

describe("publishing a pack that expands to far more than its size", () => {
  const ws = useWorkspace();

  /** Bytes in use under `dirs` (du counts allocated blocks, so sparse files count as written). */
  const used = (...dirs: string[]) =>
    Number(
      execFileSync("du", ["-sb", "--apparent-size", ...dirs, "-c"])
        .toString()
        .trim()
        .split("\n")
        .at(-1)
        ?.split("\t")[0],
    );

  it("checks a 128 MiB zero-filled entry without writing it anywhere", async () => {
    const zeros = join(ws.build, "zeros.bin");
    writeFileSync(zeros, "");
    truncateSync(zeros, 128 * 1024 * 1024); // sparse: costs no disk to build
    const pack = await buildPack(ws, { descriptor: descriptorFor("pos-client", "1.0.0") });
    // Rebuild with the big entry: buildPack copies files, so add it through tar directly.
    const src = join(ws.build, "big");
    mkdirSync(join(src, "bin"), { recursive: true });
    execFileSync("tar", ["-xzf", pack, "-C", src]);
    execFileSync("cp", ["--sparse=always", zeros, join(src, "zeros.bin")]);
    const big = join(ws.build, "big.tgz");
    execFileSync("tar", ["-czf", big, "-C", src, "."]);
    rmSync(src, { recursive: true, force: true });
    rmSync(zeros);

    const store = await openStore(ws);
    let peak = 0;
    const watch = setInterval(() => {
      peak = Math.max(peak, used(ws.data, ws.staging));
    }, 20);
    const published = await store.publish(big);
    clearInterval(watch);
    peak = Math.max(peak, used(ws.data, ws.staging));
    expect(published).toMatchObject({ ok: true, value: { name: "pos-client" } });
    // The archive itself (about 130 KB) is copied into the store; its contents are not.
    expect(peak).toBeLessThan(4 * 1024 * 1024);
    expect(readdirSync(ws.staging)).toEqual([]);
  }, 60_000);
});
