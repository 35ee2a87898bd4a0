import { access, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);

/** A user who clones the repository has only the repository: the README points at nothing outside it. */
describe("README links", () => {
  it("every relative link names a file in the repository, none outside it", async () => {
    const text = await readFile(new URL("README.md", root), "utf8");
    expect(text).not.toMatch(/\.\.\/shared|DESIGN\.md/);
    const links = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1] as string);
    const relative = links.filter((link) => !/^[a-z]+:/.test(link));
    expect(relative.length).toBeGreaterThan(0);
    for (const link of relative) {
      expect(link.startsWith("..") || link.startsWith("/"), link).toBe(false);
      await expect(access(new URL(link, root)), link).resolves.toBeUndefined();
    }
  });
});
