// Writes coordinator/openapi.json from the built API contract (run `pnpm openapi` at the
// repository root). A test fails when the committed file differs.
import { readFile, writeFile } from "node:fs/promises";
import { renderOpenApi } from "../dist/api/openapi.js";

const { version } = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
await writeFile(new URL("../openapi.json", import.meta.url), renderOpenApi(version));
console.log("wrote coordinator/openapi.json");
