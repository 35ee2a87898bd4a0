import { describe, expect, it } from "vitest";
import { type IssuedOperator, OperatorDirectory } from "../../src/accounts/operators.js";
import { FAST_SCRYPT, fakeClock, MemoryPersistence } from "./helpers.js";

const LEGACY_TOKEN = "0123456789abcdef0123456789abcdef0123456789abcdef";

async function setup() {
  const persistence = new MemoryPersistence();
  const clock = fakeClock();
  const directory = await OperatorDirectory.open(persistence, {
    now: clock.date,
    passwordParams: FAST_SCRYPT,
  });
  await directory.bootstrapAdmin(LEGACY_TOKEN);
  return { persistence, clock, directory };
}

function value<T>(result: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!result.ok) throw new Error(`expected success, got: ${result.error}`);
  return result.value;
}

describe("OperatorDirectory.add", () => {
  it("issues a token and a password, shown once, and stores only their hashes", async () => {
    const { directory, persistence } = await setup();
    const anna = value(await directory.add("anna", "operator", "DE/North", "anna@example.com"));
    expect(anna).toMatchObject({
      name: "anna",
      role: "operator",
      scope: "DE/North",
      email: "anna@example.com",
    });
    expect(anna.token).toMatch(/^trk_/);
    const stored = JSON.stringify(persistence.current);
    expect(stored).toContain('"anna"');
    expect(stored).not.toContain(anna.token);
    expect(stored).not.toContain(anna.password);
    expect(directory.authenticateToken(anna.token)).toMatchObject({
      name: "anna",
      role: "operator",
      scope: "DE/North",
    });
    expect(await directory.authenticatePassword("anna", anna.password)).toMatchObject({
      name: "anna",
    });
  });

  it("is saved before it answers: a directory reopened from the store knows the operator", async () => {
    const { directory, persistence } = await setup();
    const anna = value(await directory.add("anna", "viewer"));
    const reopened = await OperatorDirectory.open(persistence, { passwordParams: FAST_SCRYPT });
    expect(reopened.authenticateToken(anna.token)?.name).toBe("anna");
    expect(reopened.list().map((o) => o.name)).toEqual(["admin", "anna"]);
  });

  type AddArgs = [unknown, unknown, unknown?, unknown?];
  it.each<[AddArgs, RegExp]>([
    [["Anna", "viewer"], /"Anna" is not a valid operator name/],
    [["anna", "boss"], /"boss" is not a role: use viewer, operator, approver or admin/],
    [["anna", undefined], /role is required/],
    [["anna", "viewer", "DE//x"], /^scope: "DE\/\/x" is not a valid business unit group/],
    [["anna", "viewer", null, "nope"], /"nope" is not an email address/],
    [["admin", "viewer"], /^operator admin already exists$/],
  ])("refuses %j with a clear error and changes nothing", async (args, message) => {
    const { directory, persistence } = await setup();
    const saves = persistence.saved.length;
    const result = await directory.add(...args);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
    expect(persistence.saved.length).toBe(saves);
    expect(directory.list().map((o) => o.name)).toEqual(["admin"]);
  });

  it("lets only one of two simultaneous adds of one name succeed", async () => {
    const { directory } = await setup();
    const results = await Promise.all([
      directory.add("anna", "viewer"),
      directory.add("anna", "admin"),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toEqual({
      ok: false,
      error: "operator anna already exists",
    });
    expect(directory.list().map((o) => o.name)).toEqual(["admin", "anna"]);
  });
});

describe("OperatorDirectory.list", () => {
  it("shows name, role, scope, email and dates sorted by name, never a hash", async () => {
    const { directory, clock } = await setup();
    clock.advance(60_000);
    await directory.add("zoe", "approver", "AT");
    await directory.add("bert", "viewer");
    const list = directory.list();
    expect(list.map((o) => o.name)).toEqual(["admin", "bert", "zoe"]);
    expect(list[2]).toEqual({
      name: "zoe",
      role: "approver",
      scope: "AT",
      email: null,
      createdAt: "2026-11-30T08:01:00.000Z",
      secretsIssuedAt: "2026-11-30T08:01:00.000Z",
    });
    expect(JSON.stringify(list)).not.toMatch(/sha256|scrypt/);
  });
});

describe("OperatorDirectory.remove", () => {
  it("removes an operator: its token and password stop working at once", async () => {
    const { directory } = await setup();
    const anna = value(await directory.add("anna", "operator"));
    expect(value(await directory.remove("anna"))).toMatchObject({ name: "anna", role: "operator" });
    expect(directory.authenticateToken(anna.token)).toBeNull();
    expect(await directory.authenticatePassword("anna", anna.password)).toBeNull();
    expect(directory.lookup("anna")).toBeUndefined();
  });

  it("says so for an unknown name", async () => {
    const { directory } = await setup();
    expect(await directory.remove("nobody")).toEqual({
      ok: false,
      error: 'no operator named "nobody"',
    });
  });

  it("refuses to remove the last platform admin, even with partner admins left", async () => {
    const { directory } = await setup();
    await directory.add("partner", "admin", "DE");
    expect(await directory.remove("admin")).toEqual({
      ok: false,
      error:
        "refused: admin is the last platform admin (an admin without a scope); add another one first",
    });
    expect(directory.lookup("admin")).toBeDefined();
    await directory.add("second", "admin");
    expect((await directory.remove("admin")).ok).toBe(true);
    expect(await directory.remove("second")).toMatchObject({ ok: false });
    expect((await directory.remove("partner")).ok).toBe(true);
  });
});

describe("OperatorDirectory.reset", () => {
  it("issues new secrets; the old ones stop working at once", async () => {
    const { directory, clock } = await setup();
    const before = value(await directory.add("anna", "operator", "DE"));
    const oldCredential = directory.lookup("anna")?.credentialId;
    clock.advance(5_000);
    const after = value(await directory.reset("anna"));
    expect(after).toMatchObject({ name: "anna", role: "operator", scope: "DE" });
    expect(after.token).not.toBe(before.token);
    expect(after.password).not.toBe(before.password);
    expect(directory.authenticateToken(before.token)).toBeNull();
    expect(await directory.authenticatePassword("anna", before.password)).toBeNull();
    expect(directory.authenticateToken(after.token)?.name).toBe("anna");
    expect(await directory.authenticatePassword("anna", after.password)).not.toBeNull();
    expect(directory.lookup("anna")?.credentialId).not.toBe(oldCredential);
    const anna = directory.list().find((o) => o.name === "anna");
    expect(anna?.createdAt).toBe("2026-11-30T08:00:00.000Z");
    expect(anna?.secretsIssuedAt).toBe("2026-11-30T08:00:05.000Z");
  });

  it("says so for an unknown name", async () => {
    const { directory } = await setup();
    expect(await directory.reset("nobody")).toEqual({
      ok: false,
      error: 'no operator named "nobody"',
    });
  });
});

describe("a failed save", () => {
  it("rejects and leaves memory as it was (add, remove, reset)", async () => {
    const { directory, persistence } = await setup();
    const anna = value(await directory.add("anna", "operator"));
    persistence.failSaves = true;

    await expect(directory.add("bert", "viewer")).rejects.toThrow("ENOSPC");
    expect(directory.lookup("bert")).toBeUndefined();

    await expect(directory.remove("anna")).rejects.toThrow("ENOSPC");
    expect(directory.authenticateToken(anna.token)?.name).toBe("anna");

    await expect(directory.reset("anna")).rejects.toThrow("ENOSPC");
    expect(directory.authenticateToken(anna.token)?.name).toBe("anna");
    expect(await directory.authenticatePassword("anna", anna.password)).not.toBeNull();

    expect(directory.list().map((o) => o.name)).toEqual(["admin", "anna"]);

    // and the queue is not stuck: the next change goes through once the disk is back
    persistence.failSaves = false;
    expect((await directory.add("bert", "viewer")).ok).toBe(true);
  });
});

describe("authentication", () => {
  it("gives the same null for an unknown name and a wrong password", async () => {
    const { directory } = await setup();
    const anna: IssuedOperator = value(await directory.add("anna", "viewer"));
    expect(await directory.authenticatePassword("anna", "wrong")).toBeNull();
    expect(await directory.authenticatePassword("nobody", anna.password)).toBeNull();
    expect(await directory.authenticatePassword("ANNA", anna.password)).toBeNull();
  });

  it("refuses unknown and empty tokens", async () => {
    const { directory } = await setup();
    expect(directory.authenticateToken("trk_nope")).toBeNull();
    expect(directory.authenticateToken("")).toBeNull();
  });
});

describe("bootstrapAdmin", () => {
  it("creates the platform admin `admin` whose token is today's DATA/operator-token", async () => {
    const persistence = new MemoryPersistence();
    const directory = await OperatorDirectory.open(persistence, { passwordParams: FAST_SCRYPT });
    const created = await directory.bootstrapAdmin(`${LEGACY_TOKEN}\n`);
    expect(created.created).toBe(true);
    expect(directory.authenticateToken(LEGACY_TOKEN)).toMatchObject({
      name: "admin",
      role: "admin",
      scope: null,
    });
    if (created.created)
      expect(await directory.authenticatePassword("admin", created.password)).not.toBeNull();
    expect(persistence.current).toHaveLength(1);
  });

  it("does nothing once operators exist (every later start)", async () => {
    const { directory, persistence } = await setup();
    const saves = persistence.saved.length;
    expect(await directory.bootstrapAdmin("another-token")).toEqual({ created: false });
    expect(directory.authenticateToken("another-token")).toBeNull();
    expect(persistence.saved.length).toBe(saves);
  });

  it("refuses an empty token", async () => {
    const directory = await OperatorDirectory.open(new MemoryPersistence(), {
      passwordParams: FAST_SCRYPT,
    });
    await expect(directory.bootstrapAdmin("  \n")).rejects.toThrow("operator token is empty");
  });
});

describe("OperatorDirectory.open", () => {
  it("refuses a store with one name twice", async () => {
    const { persistence } = await setup();
    const admin = persistence.current[0];
    if (admin === undefined) throw new Error("bootstrap saved no admin");
    const doubled = new MemoryPersistence([admin, admin]);
    await expect(OperatorDirectory.open(doubled)).rejects.toThrow(
      "operators: admin is stored twice",
    );
  });
});
