import { request as httpRequest } from "node:http";
import { createServer, request as httpsRequest, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TlsMaterial } from "../../src/tls/certificates.js";
import { tlsServerOptions } from "../../src/tls/tls-listener.js";
import { generate, tempDir } from "./tls-fixtures.js";

/**
 * Real handshakes: an https server with the generated certificate, reached
 * by clients that trust only the generated ca.pem (as agents will), and
 * refused by clients that trust another CA or speak plain HTTP.
 */

let material: TlsMaterial;
let otherCa: string;
let server: Server;
let port: number;

beforeAll(async () => {
  material = await generate(join(await tempDir(), "tls"), "coordinator.example");
  otherCa = (await generate(join(await tempDir(), "tls"), "coordinator.example")).caPem ?? "";
  server = createServer(tlsServerOptions(material), (_req, res) => res.end("pack bytes"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function get(
  host: string,
  options: { ca?: string; servername?: string },
): Promise<{ status: number | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host, port, path: "/", agent: false, ...options }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("https with the generated certificate", () => {
  it("is reached by a client trusting only ca.pem, by IP and by the names in the certificate", async () => {
    const ca = material.caPem ?? "";
    await expect(get("127.0.0.1", { ca })).resolves.toEqual({ status: 200, body: "pack bytes" });
    await expect(get("localhost", { ca })).resolves.toMatchObject({ status: 200 });
    // The public name, as a till resolving it to this machine would send it.
    await expect(
      get("127.0.0.1", { ca, servername: "coordinator.example" }),
    ).resolves.toMatchObject({ status: 200 });
  });

  it("is refused by a client trusting another CA", async () => {
    await expect(get("127.0.0.1", { ca: otherCa })).rejects.toMatchObject({
      code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    });
  });

  it("is refused by a client trusting only the system CAs", async () => {
    await expect(get("127.0.0.1", {})).rejects.toMatchObject({
      code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    });
  });

  it("is refused for a host name the certificate does not carry", async () => {
    await expect(
      get("127.0.0.1", { ca: material.caPem ?? "", servername: "other.example" }),
    ).rejects.toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" });
  });

  it("gives a plain-text HTTP client nothing", async () => {
    const plain = new Promise((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, path: "/", agent: false }, (res) =>
        resolve(res.statusCode),
      );
      req.on("error", reject);
      req.end();
    });
    await expect(plain).rejects.toThrow();
  });
});
