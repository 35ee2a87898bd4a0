import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AgentConfig } from "@tillroll/protocol";
import mqtt from "mqtt";
import { trustedKeysOf } from "../config/pinned-keys.js";
import { readLocalState } from "./local-status.js";

export type SelfTestResult = { ok: true; summary: string } | { ok: false; problem: string };

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * `tillroll-agent self-test --config FILE`: what the running agent asks of a
 * new release of itself before it hands over (agent/src/self-update). Loads
 * the config and the journal read-only (the running agent owns them),
 * builds the pinned keys, and connects to the broker under a client id of
 * its own (`selftest.{store}.{workstation}`, clean session, no will), so the
 * running agent's session is left alone. Nothing is written anywhere.
 */
export async function selfTest(
  config: AgentConfig,
  agentVersion: string,
  timeoutMs: number,
): Promise<SelfTestResult> {
  const state = await readLocalState(config.state);
  let services = 0;
  if (typeof state === "string") {
    // No journal at all is a first start; one that cannot be read is not.
    if (await exists(join(config.state, "agent.json"))) return { ok: false, problem: state };
  } else services = Object.keys(state.services).length;
  try {
    trustedKeysOf(config);
  } catch (error) {
    return { ok: false, problem: `pinned keys: ${(error as Error).message}` };
  }
  let ca: Buffer | undefined;
  if (config.ca !== undefined) {
    try {
      ca = await readFile(config.ca);
    } catch (error) {
      return { ok: false, problem: `CA ${config.ca}: ${(error as Error).message}` };
    }
  }
  const clientId = `selftest.${config.store}.${config.workstation}`;
  try {
    const client = await withTimeout(
      mqtt.connectAsync(config.broker, {
        clientId,
        clean: true,
        protocolVersion: 4,
        reconnectPeriod: 0,
        writeCache: false, // see mqttClientOptions (agent-link.ts)
        connectTimeout: timeoutMs,
        ...(config.username === undefined ? {} : { username: config.username }),
        ...(config.password === undefined ? {} : { password: config.password }),
        ...(ca === undefined ? {} : { ca }),
      }),
      timeoutMs,
    );
    await client.endAsync();
  } catch (error) {
    return { ok: false, problem: `broker ${config.broker}: ${(error as Error).message}` };
  }
  return {
    ok: true,
    summary: `self-test ok: tillroll-agent ${agentVersion} for ${config.store}/${config.workstation} (config, journal with ${services} service(s), keys, broker ${config.broker})`,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
