import { describe, expect, it } from "vitest";
import { generateSecret, hashSecret } from "../../src/broker/credentials.js";
import { createPrincipalLookup } from "../../src/broker/principal-lookup.js";

const agentSecret = generateSecret();
const posSecret = generateSecret();
const records = new Map([
  ["1001/01", { agentSecretHash: hashSecret(agentSecret), posSecretHash: hashSecret(posSecret) }],
]);
const lookup = createPrincipalLookup((ref) => records.get(`${ref.store}/${ref.workstation}`));

const AGENT = { kind: "agent", store: "1001", workstation: "01" };
const POS = { kind: "pos", store: "1001", workstation: "01" };

describe("createPrincipalLookup", () => {
  it.each([
    ["the agent", "agent.1001.01", agentSecret, AGENT],
    ["the POS", "pos.1001.01", posSecret, POS],
    ["the agent, legacy username of a config in the field", "agent:1001:01", agentSecret, AGENT],
    ["the POS, legacy username", "pos:1001:01", posSecret, POS],
    ["the agent with the POS secret", "agent.1001.01", posSecret, null],
    ["a wrong password", "agent.1001.01", "wrong", null],
    ["an unknown workstation", "agent.1001.02", agentSecret, null],
    ["a name of no party", "ops", agentSecret, null],
    ["mixed separators", "agent.1001:01", agentSecret, null],
  ])("%s", async (_name, username, password, expected) => {
    expect(await lookup(username, password)).toEqual(expected);
    // Twice: the second answer comes from the remembered digest (or is refused again).
    expect(await lookup(username, password)).toEqual(expected);
  });

  it("spends the same hash on an unknown username as on a wrong password", async () => {
    // Interleaved, medians: other tests share the machine's two cores.
    const names = ["agent.1001.01", "agent.9999.99", "nobody"] as const;
    const times: Record<string, number[]> = { [names[0]]: [], [names[1]]: [], [names[2]]: [] };
    for (let i = 0; i < 40; i++) {
      for (const name of names) {
        const started = performance.now();
        await lookup(name, `wrong-${i}`);
        times[name]?.push(performance.now() - started);
      }
    }
    const median = (xs: number[] = []) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
    const wrong = median(times[names[0]]);
    for (const name of names.slice(1)) {
      const ratio = median(times[name]) / wrong;
      expect(ratio, `${name}: ${ratio.toFixed(2)}× the time of a wrong password`).toBeGreaterThan(
        0.4,
      );
      expect(ratio, `${name}: ${ratio.toFixed(2)}× the time of a wrong password`).toBeLessThan(2.5);
    }
  });
});
