import type { OutboxNotice } from "./outbox.js";
import { describeDelay } from "./retry-backoff.js";
import { signWebhookBody } from "./webhook-signature.js";

/** What one attempt came to. */
export type SendOutcome =
  | { readonly kind: "delivered" }
  | { readonly kind: "failed"; readonly why: string }
  /** Will never be delivered (its webhook was removed): marked done with the reason. */
  | { readonly kind: "dropped"; readonly why: string };

export const WEBHOOK_TIMEOUT_MS = 10_000;

/** The exact bytes POSTed (and signed): `{"id","event","at","data"}`. */
export function webhookBody(notice: Pick<OutboxNotice, "id" | "event" | "at" | "data">): string {
  return JSON.stringify({ id: notice.id, event: notice.event, at: notice.at, data: notice.data });
}

/**
 * POSTs a notice to a webhook once: JSON body signed with its secret; a 2xx
 * answer is delivered, anything else (another status, a redirect, no answer
 * within the timeout, a refused connection) failed with why.
 */
export async function postWebhook(
  webhook: { readonly url: string; readonly secret: string },
  notice: OutboxNotice,
  options: { timeoutMs?: number; stopping?: AbortSignal } = {},
): Promise<SendOutcome> {
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const body = webhookBody(notice);
  try {
    const answer = await fetch(webhook.url, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/json",
        "x-tillroll-event": notice.event,
        "x-tillroll-delivery": notice.id,
        "x-tillroll-signature": signWebhookBody(webhook.secret, body),
      },
      body,
      signal:
        options.stopping === undefined ? timeout : AbortSignal.any([timeout, options.stopping]),
    });
    // Drain the answer so the connection can be reused or closed.
    await answer.arrayBuffer().catch(() => undefined);
    if (answer.status >= 200 && answer.status < 300) return { kind: "delivered" };
    return { kind: "failed", why: `HTTP ${answer.status}` };
  } catch (error) {
    if (options.stopping?.aborted === true) return { kind: "failed", why: "coordinator stopping" };
    return { kind: "failed", why: describeFetchError(error, timeoutMs) };
  }
}

const CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found (DNS)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  UND_ERR_SOCKET: "connection closed",
};

/** One short phrase: `connection refused`, `no answer in 10 s`. */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string }).name;
  if (name === "TimeoutError" || name === "AbortError")
    return `no answer in ${describeDelay(timeoutMs)}`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code;
  if (code !== undefined && Object.hasOwn(CODES, code)) return CODES[code] as string;
  return cause?.message ?? (error as Error).message ?? String(error);
}
