import type { QuayClient } from "../client";

/**
 * Quay's clock, as far as this machine can tell: every answer carries an HTTP `Date` header (RFC 9110
 * docs/quay-api.md#robots, whole seconds), and Quay stamps its audit log with the same clock. Read with "who am I"
 * (`GET /api/v1/user/`), which drift attribution needs anyway.
 */
export interface QuayClockReading {
  /** The token's (or session's) Quay user. */
  username: string;
  /** Quay's clock minus this machine's, in milliseconds; undefined when it could not be read. */
  offsetMs: number | undefined;
}

/**
 * Quay's clock minus ours from one answer. The header is truncated to the second, so the server's
 * instant lies half a second after it on average; the request took its time between `sentAt` and
 * `receivedAt`, so ours is taken at the middle.
 */
export function clockOffset(dateHeader: unknown, sentAt: number, receivedAt: number): number | undefined {
  if (typeof dateHeader !== "string") return undefined;
  const server = Date.parse(dateHeader);
  if (!Number.isFinite(server)) return undefined;
  return Math.round(server + 500 - (sentAt + receivedAt) / 2);
}

export async function readQuayClock(client: QuayClient): Promise<QuayClockReading> {
  const sentAt = Date.now();
  const res = await client.request<{ username: string }>("GET", "/api/v1/user/");
  const receivedAt = Date.now();
  // A retried request's first attempt started long before its answer: no reading rather than a wrong one.
  const offsetMs = res.attempts === 1 ? clockOffset(res.headers.date, sentAt, receivedAt) : undefined;
  return { username: res.data.username, offsetMs };
}
