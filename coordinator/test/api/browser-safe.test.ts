// The web console bundles coordinator/src/api/contract.ts (and everything it imports) for the
// browser: no module reached from it may import a Node built-in (`node:crypto`, `fs`, ...), or
// Vite replaces it with an empty stub and the console breaks at run time. This walks the
// import graph from the contract as the bundler would: relative imports, and @tillroll/protocol
// by its package exports. `import type` / `export type` are erased and not followed; every other
// import is (with verbatimModuleSyntax, `import { type X }` still loads the module).

import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CONTRACT = resolve(ROOT, "coordinator/src/api/contract.ts");
const PROTOCOL = resolve(ROOT, "protocol");

const IMPORT =
  /(?:^|[\n;])\s*(?:import|export)\s+(type\s+)?(?:[^;"'`]*?\s+from\s+)?["']([^"']+)["']/g;

/** Where a bare `@tillroll/protocol[/sub]` import lands: its package export, mapped back to src. */
function protocolSource(spec: string): string {
  const manifest = JSON.parse(readFileSync(resolve(PROTOCOL, "package.json"), "utf8")) as {
    exports: Record<string, string | { default: string }>;
  };
  const sub = `.${spec.slice("@tillroll/protocol".length)}`;
  const target = manifest.exports[sub];
  if (target === undefined) throw new Error(`${spec}: not exported by @tillroll/protocol`);
  const file = typeof target === "string" ? target : target.default;
  return resolve(PROTOCOL, file.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"));
}

function sourceOf(from: string, spec: string): string | undefined {
  if (spec.startsWith("@tillroll/protocol")) return protocolSource(spec);
  if (!spec.startsWith(".")) return undefined; // a package (zod, semver, luxon): not ours to walk
  const base = resolve(dirname(from), spec);
  for (const file of [base.replace(/\.js$/, ".ts"), base.replace(/\.js$/, ".tsx"), base]) {
    if (existsSync(file)) return file;
  }
  throw new Error(`${relative(ROOT, from)}: cannot find ${spec}`);
}

const isNodeBuiltin = (spec: string) =>
  spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0] ?? "");

/** Every chain from `start` to a Node built-in (one per offending import), and the files reached. */
function nodeChains(start: string): { chains: string[]; files: number } {
  const reached = new Map<string, string[]>([[start, [start]]]);
  const queue = [start];
  const chains: string[] = [];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const chain = reached.get(file) ?? [file];
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const [, typeOnly, spec = ""] = match;
      if (typeOnly !== undefined) continue;
      if (isNodeBuiltin(spec)) {
        chains.push([...chain.map((f) => relative(ROOT, f)), spec].join(" > "));
        continue;
      }
      const next = sourceOf(file, spec);
      if (next === undefined || reached.has(next)) continue;
      reached.set(next, [...chain, next]);
      queue.push(next);
    }
  }
  return { chains, files: reached.size };
}

describe("the browser's contract (api/contract.ts)", () => {
  it("reaches no Node built-in, through our modules or the protocol's", () => {
    const { chains, files } = nodeChains(CONTRACT);
    expect(chains).toEqual([]);
    // The walk followed the route table into the schemas (not stopped at the first file).
    expect(files).toBeGreaterThan(30);
  });

  it("the walk finds a chain when there is one (the check itself works)", () => {
    const server = resolve(ROOT, "coordinator/src/http/api-server.ts");
    const { chains } = nodeChains(server);
    expect(chains).toContain("coordinator/src/http/api-server.ts > node:crypto");
    // Through the protocol's index, signing.ts is reached.
    expect(nodeChains(resolve(PROTOCOL, "src/index.ts")).chains.join("\n")).toMatch(
      /protocol\/src\/signing\.ts > node:crypto/,
    );
  });
});
