import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { type TempDir, tempDir } from "../support/temp.js";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;
const biome = join(root, "node_modules", ".bin", "biome");

/**
 * `pnpm lint` guards the shape: no import cycles anywhere, and no I/O
 * imports in the pure part of the protocol (all of protocol/src but node/,
 * which the pure part may not import). The repository's own biome.json
 * is run over a scratch tree that breaks each rule once.
 */
describe("lint rules that keep the shape", () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.cleanup();
    dir = undefined;
  });

  async function lint(files: Record<string, string>): Promise<string> {
    dir = await tempDir("lint");
    const config = JSON.parse(await readFile(join(root, "biome.json"), "utf8"));
    config.$schema = undefined;
    config.vcs = { enabled: false };
    await writeFile(join(dir.path, "biome.json"), JSON.stringify(config));
    for (const [name, text] of Object.entries(files)) {
      await mkdir(join(dir.path, name, ".."), { recursive: true });
      await writeFile(join(dir.path, name), text);
    }
    try {
      await run(biome, ["lint", "."], { cwd: dir.path });
      return "";
    } catch (error) {
      return `${(error as { stdout: string }).stdout}${(error as { stderr: string }).stderr}`;
    }
  }

  it("refuses an import cycle", async () => {
    const out = await lint({
      "coordinator/src/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
      "coordinator/src/b.ts": 'import { a } from "./a.js";\nexport const b = () => a;\n',
    });
    expect(out).toContain("noImportCycles");
  });

  it("refuses file and socket imports in protocol/src, not elsewhere", async () => {
    const io = 'import { readFileSync } from "node:fs";\nexport const r = readFileSync;\n';
    const net = 'import { connect } from "node:net";\nexport const c = connect;\n';
    expect(await lint({ "protocol/src/x.ts": io })).toContain("noRestrictedImports");
    expect(await lint({ "protocol/src/schemas/y.ts": net })).toContain("noRestrictedImports");
    expect(await lint({ "agent/src/x.ts": io })).toBe("");
  });

  it("lets protocol/src/node (the shared file code) do I/O, and keeps the pure part from importing it", async () => {
    const io = 'import { readFileSync } from "node:fs";\nexport const r = readFileSync;\n';
    const tar = 'import { Parser } from "tar";\nexport const p = Parser;\n';
    expect(await lint({ "protocol/src/node/store/x.ts": io })).toBe("");
    expect(await lint({ "protocol/src/node/pack/y.ts": tar })).toBe("");
    expect(await lint({ "protocol/src/schemas/x.ts": io })).toContain("noRestrictedImports");
    const reach = (from: string) => `import { r } from "${from}";\nexport const again = r;\n`;
    const node = { "protocol/src/node/index.ts": io };
    expect(await lint({ ...node, "protocol/src/x.ts": reach("./node/index.js") })).toContain(
      "noRestrictedImports",
    );
    expect(
      await lint({ ...node, "protocol/src/schemas/y.ts": reach("../node/index.js") }),
    ).toContain("noRestrictedImports");
    expect(await lint({ "protocol/src/x.ts": reach("@tillroll/protocol/node") })).toContain(
      "noRestrictedImports",
    );
  });
});
