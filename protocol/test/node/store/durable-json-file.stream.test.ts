import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DurableJsonFile } from "../../../src/node/store/durable-json-file.js";

type Data = { items: number[] };

async function* pieces(schemaVersion: number, data: Data): AsyncIterable<string> {
  yield `{"schemaVersion":${schemaVersion},"data":{"items":[`;
  for (let i = 0; i < data.items.length; i += 100) {
    yield `${i === 0 ? "" : ","}${data.items.slice(i, i + 100).join(",")}`;
    await new Promise((resolve) => setImmediate(resolve));
  }
  yield "]}}\n";
}

const validate = (raw: unknown): Data => {
  const data = raw as Data;
  if (!Array.isArray(data?.items)) throw new Error("items: expected array");
  return data;
};

describe("DurableJsonFile with a streamed serializer", () => {
  it.each([true, false])(
    "writes in pieces and reads back the same data (verifyOnWrite %s)",
    async (verifyOnWrite) => {
      const dir = await mkdtemp(join(tmpdir(), "tillroll-stream-"));
      try {
        const file = new DurableJsonFile<Data>({
          path: join(dir, "f.json"),
          schemaVersion: 1,
          validate,
          serialize: pieces,
          verifyOnWrite,
        });
        const data = { items: Array.from({ length: 1050 }, (_, i) => i) };
        await file.write(data);
        await file.write({ items: [...data.items, 7] });
        expect(
          await new DurableJsonFile<Data>({
            path: join(dir, "f.json"),
            schemaVersion: 1,
            validate,
          }).read(),
        ).toEqual({ items: [...data.items, 7] });
        expect(JSON.parse(await readFile(join(dir, "f.json.bak"), "utf8")).data).toEqual(data);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it("with verifyOnWrite, a serializer that produces invalid data is refused and nothing is replaced", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tillroll-stream-"));
    try {
      const good = new DurableJsonFile<Data>({
        path: join(dir, "f.json"),
        schemaVersion: 1,
        validate,
      });
      await good.write({ items: [1] });
      async function* broken(): AsyncIterable<string> {
        yield '{"schemaVersion":1,"data":{"items":"nope"}}';
      }
      const file = new DurableJsonFile<Data>({
        path: join(dir, "f.json"),
        schemaVersion: 1,
        validate,
        serialize: broken,
      });
      await expect(file.write({ items: [2] })).rejects.toThrow(/would not read back/);
      expect(await good.read()).toEqual({ items: [1] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
