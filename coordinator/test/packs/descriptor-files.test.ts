// A descriptor that names a file the pack does not hold (start, stop, health command, hooks)
// is refused at publish, naming the field and the path; the store is left as it was.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { functionPackDescriptorSchema } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { missingNamedFile, namedPaths, normalPackPath } from "../../src/packs/descriptor-files.js";
import { buildPack, descriptorFor, openStore, snapshot, useWorkspace } from "./pack-fixtures.js";

const FULL = functionPackDescriptorSchema.parse({
  name: "pos-client",
  version: "1.2.0",
  service: { start: "bin/start", stop: "bin/stop", health: { command: "./bin/health" } },
  hooks: { beforeInstall: "bin/pre.sh", afterInstall: "hooks//post.sh" },
});
const ALL_FILES = new Set(["bin/start", "bin/stop", "bin/health", "bin/pre.sh", "hooks/post.sh"]);

describe("missingNamedFile (pure)", () => {
  it("lists every path field that is set, in descriptor order", () => {
    expect(namedPaths(FULL).map((named) => named.field)).toEqual([
      "service.start",
      "service.stop",
      "service.health.command",
      "hooks.beforeInstall",
      "hooks.afterInstall",
    ]);
  });

  it("accepts a pack holding every named file (./ and // as the agent resolves them)", () => {
    expect(missingNamedFile(FULL, ALL_FILES)).toBeNull();
    expect(normalPackPath("./bin//start")).toBe("bin/start");
  });

  it.each([
    ["service.start", "bin/start"],
    ["service.stop", "bin/stop"],
    ["service.health.command", "bin/health"],
    ["hooks.beforeInstall", "bin/pre.sh"],
    ["hooks.afterInstall", "hooks/post.sh"],
  ])("refuses when %s's file (%s) is missing, naming both", (field, file) => {
    const files = new Set([...ALL_FILES].filter((path) => path !== file));
    const shown = namedPaths(FULL).find((named) => named.field === field)?.path;
    expect(missingNamedFile(FULL, files)).toBe(
      `descriptor: ${field} names ${shown}, which is not in the pack`,
    );
  });

  it("ignores an http health check and absent optional fields", () => {
    const minimal = functionPackDescriptorSchema.parse({
      name: "pos-client",
      version: "1.2.0",
      service: { start: "run", health: { http: "http://127.0.0.1:9000/ok" } },
    });
    expect(namedPaths(minimal)).toEqual([{ field: "service.start", path: "run" }]);
    expect(missingNamedFile(minimal, new Set(["run"]))).toBeNull();
    expect(missingNamedFile(minimal, new Set(["bin/run"]))).toBe(
      "descriptor: service.start names run, which is not in the pack",
    );
  });
});

describe("publish refuses a pack whose descriptor names a missing file", () => {
  const ws = useWorkspace();

  async function refused(descriptor: unknown, files: Record<string, string> = {}) {
    const store = await openStore(ws);
    const before = snapshot(join(ws.data, "packs"));
    const result = await store.publish(await buildPack(ws, { descriptor, files }));
    expect(snapshot(join(ws.data, "packs"))).toEqual(before);
    expect(readdirSync(ws.staging)).toEqual([]);
    expect(store.list()).toEqual([]);
    return result.ok ? "published" : result.error;
  }

  it("refuses a missing hook, naming the field and the path", async () => {
    const descriptor = descriptorFor("pos-client", "1.1.0", {
      hooks: { beforeInstall: "bin/pre.sh" },
    });
    expect(await refused(descriptor)).toBe(
      "descriptor: hooks.beforeInstall names bin/pre.sh, which is not in the pack",
    );
  });

  it("refuses a start command that names a folder of the pack", async () => {
    const descriptor = descriptorFor("pos-client", "1.1.0", {
      service: { start: "bin" },
    });
    expect(await refused(descriptor)).toBe(
      "descriptor: service.start names bin, which is not in the pack",
    );
  });

  it("refuses a missing stop command and a missing health command", async () => {
    expect(
      await refused(
        descriptorFor("pos-client", "1.1.0", { service: { start: "bin/start", stop: "bin/halt" } }),
      ),
    ).toBe("descriptor: service.stop names bin/halt, which is not in the pack");
    expect(
      await refused(
        descriptorFor("pos-client", "1.1.0", {
          service: { start: "bin/start", health: { command: "bin/ready" } },
        }),
      ),
    ).toBe("descriptor: service.health.command names bin/ready, which is not in the pack");
  });

  it("publishes when every named file is there", async () => {
    const store = await openStore(ws);
    const descriptor = descriptorFor("pos-client", "1.1.0", {
      hooks: { beforeInstall: "./bin/pre.sh", afterInstall: "hooks/post.sh" },
    });
    const pack = await buildPack(ws, {
      descriptor,
      files: { "bin/pre.sh": "#!/bin/sh\n", "hooks/post.sh": "#!/bin/sh\n" },
    });
    const result = await store.publish(pack);
    expect(result.ok && result.value.version).toBe("1.1.0");
  });
});
