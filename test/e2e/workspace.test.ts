import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);

describe("repository layout", () => {
  it("the top level holds exactly the agreed entries (plus dotfiles)", async () => {
    const entries = (await readdir(root)).filter((name) => !name.startsWith("."));
    const allowed = [
      "README.md",
      "agent",
      "biome.json",
      "coordinator",
      "demo",
      "node_modules",
      "package.json",
      "pnpm-lock.yaml",
      "pnpm-workspace.yaml",
      "protocol",
      "scripts",
      "test",
      "tsconfig.json",
    ];
    expect(entries.filter((name) => !allowed.includes(name))).toEqual([]);
  });

  it("pins pnpm 10.34.9 and names the three packages", async () => {
    const pkg = JSON.parse(await readFile(new URL("package.json", root), "utf8"));
    expect(pkg.packageManager).toBe("pnpm@10.34.9");
    for (const dir of ["protocol", "agent", "coordinator"]) {
      const sub = JSON.parse(await readFile(new URL(`${dir}/package.json`, root), "utf8"));
      expect(sub.name).toBe(`@tillroll/${dir}`);
    }
  });

  it("the coordinator does not depend on the agent (shared file code is in @tillroll/protocol/node)", async () => {
    const pkg = JSON.parse(await readFile(new URL("coordinator/package.json", root), "utf8"));
    for (const field of [
      "dependencies",
      "devDependencies",
      "peerDependencies",
      "optionalDependencies",
    ])
      expect(Object.keys(pkg[field] ?? {}), `coordinator/package.json ${field}`).not.toContain(
        "@tillroll/agent",
      );
    const tsconfig = await readFile(new URL("coordinator/tsconfig.json", root), "utf8");
    expect(tsconfig).not.toMatch(/"\.\.\/agent"/);
    const offenders: string[] = [];
    for (const folder of ["coordinator/src", "coordinator/test"]) {
      const files = await readdir(new URL(`${folder}/`, root), { recursive: true });
      for (const file of files.filter((name) => /\.[cm]?tsx?$/.test(name))) {
        const text = await readFile(new URL(`${folder}/${file}`, root), "utf8");
        if (/["']@tillroll\/agent(\/[^"']*)?["']|\.\.\/agent\/(src|dist)\//.test(text))
          offenders.push(`${folder}/${file}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("the built protocol package is importable by name", async () => {
    const protocol = await import("@tillroll/protocol");
    expect(protocol.topicFor("status", { store: "1001", workstation: "01" })).toBe(
      "tillroll/v1/ws/1001/01/status",
    );
  });
});
