// Writes protocol/schema/*.json from the built zod schemas (run `pnpm schema`
// at the repository root). A test fails when the committed files differ.
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderJsonSchemas } from "../dist/index.js";

const dir = new URL("../schema/", import.meta.url).pathname;
await mkdir(dir, { recursive: true });
const files = renderJsonSchemas();
for (const name of await readdir(dir)) {
  if (name.endsWith(".json") && !(name in files)) await rm(join(dir, name));
}
for (const [name, text] of Object.entries(files)) {
  await writeFile(join(dir, name), text);
  console.log(`wrote protocol/schema/${name}`);
}
