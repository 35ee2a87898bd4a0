import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * The test files that take a store: those whose relative imports reach
 * test-store.ts (every way these tests start a coordinator asks it which
 * store to use). The PostgreSQL run (vitest.config.ts) runs only these; a
 * file that starts no coordinator would run the same test twice.
 *
 * `root` is the e2e package folder; answers paths relative to it, sorted.
 */
/**
 * Files that take a store but choose it themselves: a PostgreSQL run would repeat the
 * very same test. File (in e2e/) -> why.
 */
export const SAME_ON_EVERY_STORE: Readonly<Record<string, string>> = {
  "replica-failover.test.ts":
    "replicas need PostgreSQL: its coordinators always get one database (--database), whatever TILLROLL_TEST_STORE says",
};

export function storeTakingFiles(root: string): string[] {
  const target = resolve(root, "e2e", "test-store.ts");
  const known = new Map<string, boolean>();
  const reaches = (file: string, path: readonly string[]): boolean => {
    if (file === target) return true;
    const seen = known.get(file);
    if (seen !== undefined) return seen;
    if (path.includes(file)) return false; // an import cycle: decided where it started
    const found = relativeImports(file).some((next) => reaches(next, [...path, file]));
    known.set(file, found);
    return found;
  };
  // The tests of this machinery name test-store.ts in their fixtures; they start nothing.
  // And files that pick their store themselves, whatever the run's (SAME_ON_EVERY_STORE).
  const own = [
    "test-store.test.ts",
    "store-files.test.ts",
    ...Object.keys(SAME_ON_EVERY_STORE),
  ].map((name) => resolve(root, "e2e", name));
  return testFiles(root)
    .filter((file) => !own.includes(file))
    .filter((file) => reaches(file, []))
    .map((file) => relative(root, file))
    .sort();
}

function testFiles(root: string): string[] {
  return (readdirSync(root, { recursive: true, encoding: "utf8" }) as string[])
    .filter((name) => name.endsWith(".test.ts") && !name.split("/").includes("node_modules"))
    .map((name) => resolve(root, name));
}

/** `from "./x.js"` / `import("../y.js")` in `file`, as the .ts files they name. */
function relativeImports(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return []; // not a source file of ours (say, a generated .js): it starts nothing
  }
  const found: string[] = [];
  for (const match of text.matchAll(/(?:from|import\()\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    const spec = match[1] as string;
    found.push(join(dirname(file), spec.replace(/\.js$/, ".ts")));
  }
  return found;
}
