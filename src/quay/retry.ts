/**
 * When and how long to wait before sending a request again. Pure functions, except `sleep`.
 *
 * Rules (docs/client.md "Retries"):
 * - statuses 429, 500, 502, 503, 504 and transport errors (reset, refused, timeouts) are retryable.
 *   500 is included although most of Quay's 500s are deterministic (docs/quay-api.md#emulator-gotchas: the client
 *   validates to avoid those): a database hiccup under load is a 500 too, and an apply that stops
 *   half-way costs more than a few wasted attempts;
 * - idempotent calls (GET, HEAD, OPTIONS, DELETE, PUT unless the caller says otherwise) are re-sent;
 * - a non-idempotent call is re-sent without asking only when the failure proves it was not
 *   processed (429, or no connection was ever made); otherwise only after the caller's
 *   `landed()` check says the first attempt did not land;
 * - the delay is exponential backoff with full jitter, or the server's Retry-After (capped);
 * - while Quay gives no answer at all (refused, reset, timeouts, a proxy's 502/503/504), a call is
 *   not bound by `maxAttempts` but by the client's unreachable timeout (`RetryPlan.outage`,
 *   outage.ts), so a Quay restart is waited out.
 */
import { isTlsVerificationCode } from "./transport/tls";

export interface RetryOptions {
  /** Total HTTP attempts per call, the first included (1 disables retries). Default 6. */
  readonly maxAttempts: number;
  /** Backoff base: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs·2^(n-1))]. Default 200 ms. */
  readonly baseDelayMs: number;
  /** Backoff cap. Default 5 s. */
  readonly maxDelayMs: number;
  /** A longer Retry-After is cut down to this. Default 30 s. */
  readonly maxRetryAfterMs: number;
  /** Statuses that are retried. Default 429, 500, 502, 503, 504. */
  readonly statuses: readonly number[];
  /** Random source in [0, 1), injectable for tests. */
  readonly random: () => number;
}

export const DEFAULT_RETRY: RetryOptions = Object.freeze({
  maxAttempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
  statuses: Object.freeze([429, 500, 502, 503, 504]),
  random: Math.random,
});

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "DELETE", "PUT"]);

/** RFC 9110 idempotent methods; PUT can be declared otherwise by the caller (a create-only PUT, docs/quay-api.md#emulator-gotchas). */
export function isIdempotent(method: string, override?: boolean): boolean {
  return override ?? IDEMPOTENT_METHODS.has(method.toUpperCase());
}

/**
 * Retry-After as milliseconds from `now`: delay-seconds (`"120"`) or an HTTP date. Past dates
 * give 0; anything unparseable gives undefined (the header is then ignored).
 */
export function parseRetryAfter(
  value: string | readonly string[] | undefined,
  now: number,
): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value) as string | undefined;
  if (v === undefined) return undefined;
  const s = v.trim();
  if (s === "") return undefined;
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  // HTTP-date (IMF-fixdate, or the obsolete RFC 850 / asctime forms that Date.parse also reads).
  // Require a letter so that things like "1.5" or "-3" are not read as dates.
  if (!/[a-z]/i.test(s)) return undefined;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/** Upper bound of the jitter window before attempt `attempt + 1` (attempt counts from 1). */
export function backoffCeiling(
  attempt: number,
  opts: Pick<RetryOptions, "baseDelayMs" | "maxDelayMs">,
): number {
  const exp = opts.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(opts.maxDelayMs, exp);
}

/**
 * Delay before the next attempt, after `attempt` attempts have failed. With a Retry-After the
 * server's wish wins (capped at `maxRetryAfterMs`), plus a little jitter so that a burst of
 * clients told "1 second" do not come back in the same millisecond; otherwise full jitter.
 */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  opts: Pick<RetryOptions, "baseDelayMs" | "maxDelayMs" | "maxRetryAfterMs" | "random">,
): number {
  if (retryAfterMs !== undefined) {
    return Math.min(retryAfterMs, opts.maxRetryAfterMs) + Math.floor(opts.random() * opts.baseDelayMs);
  }
  return Math.floor(opts.random() * backoffCeiling(attempt, opts));
}

/** Transport error codes after which a request is worth sending again. */
const RETRYABLE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
  "UND_ERR_CLOSED",
]);

/** Codes that prove no byte of the request reached the server: safe to re-send any method. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** The `code` of an error or of the first error in its cause chain that has one. */
export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === "object"; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isRetryableTransportError(err: unknown): boolean {
  const code = errorCode(err);
  if (code !== undefined && RETRYABLE_CODES.has(code)) return true;
  // Node's http layer reports a peer that closed mid-response as "socket hang up" (no code).
  const message = err instanceof Error ? err.message : "";
  return /socket hang up|other side closed/i.test(message);
}

/**
 * True when the error shows the request was never sent: no connection was made, or the TLS
 * handshake refused Quay's certificate before any byte of the request left.
 */
export function provablyNotSent(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && (NOT_SENT_CODES.has(code) || isTlsVerificationCode(code));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** One attempt's result: a response (any status), or a transport error. */
export type AttemptOutcome<R> =
  | {
      readonly ok: true;
      readonly response: R;
      readonly status: number;
      readonly retryAfterMs: number | undefined;
    }
  | { readonly ok: false; readonly error: unknown };

export interface RetryPlan<R> {
  /** Whether re-sending is harmless (see {@link isIdempotent}). */
  readonly idempotent: boolean;
  /** For non-idempotent calls: did the previous attempt take effect? */
  readonly landed?: (() => Promise<boolean>) | undefined;
  /** Whether a response is worth retrying (default: its status is in `statuses`). */
  readonly retryableResponse?: ((response: R, status: number) => boolean) | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Called just before each landed() check (for the request counter). */
  readonly onLandedCheck?: (() => void) | undefined;
  /** Waiting out a Quay that does not answer; absent: `maxAttempts` bounds those failures too. */
  readonly outage?: OutageWait<R> | undefined;
}

/** The client's side of an outage (outage.ts `Reachability`), as the retry loop needs it. */
export interface OutageWait<R> {
  /** Whether the outcome is "no answer from Quay", as opposed to an answer. */
  readonly unanswered: (outcome: AttemptOutcome<R>) => boolean;
  /** Since when a call whose own unanswered attempts began at `callSince` has had no answer. */
  readonly since: (callSince: number) => number;
  /** How long after `since` a call keeps trying. */
  readonly timeoutMs: number;
  /** Sleeps, waking early when Quay answers again. */
  readonly pause: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  readonly now: () => number;
}

/** Set on a failure when the call stopped because Quay had given no answer for the whole timeout. */
export interface GaveUp {
  /** Since when the call had had no answer (epoch milliseconds, see {@link OutageWait.since}). */
  readonly unansweredSince: number;
}

export type RetryResult<R> =
  | {
      readonly kind: "response";
      readonly response: R;
      readonly retryAfterMs: number | undefined;
      readonly attempts: number;
      readonly landedCheckError?: unknown;
      readonly gaveUp?: GaveUp;
    }
  | { readonly kind: "landed"; readonly last: AttemptOutcome<R>; readonly attempts: number }
  | {
      readonly kind: "error";
      readonly error: unknown;
      readonly attempts: number;
      /** A non-idempotent request may have been processed and was not re-sent. */
      readonly mayHaveLanded: boolean;
      readonly landedCheckError?: unknown;
      readonly gaveUp?: GaveUp;
    };

/**
 * Runs `attempt` until it gives a final outcome. `attempt` receives the attempt number (from 1).
 * Sleeps between attempts are abortable by `plan.signal`; the abort reason is thrown.
 */
export async function runWithRetry<R>(
  attempt: (n: number) => Promise<AttemptOutcome<R>>,
  plan: RetryPlan<R>,
  opts: RetryOptions,
): Promise<RetryResult<R>> {
  const max = Math.max(1, Math.floor(opts.maxAttempts));
  // A call allowed a single attempt does not wait for Quay either.
  const outage = max > 1 ? plan.outage : undefined;
  let callSince: number | undefined;
  for (let n = 1; ; n++) {
    const outcome = await attempt(n);
    // While Quay gives no answer, the call runs until a deadline shared with the client's outage.
    let wait: { since: number; deadline: number; outage: OutageWait<R> } | undefined;
    if (outage?.unanswered(outcome)) {
      callSince ??= outage.now();
      const since = outage.since(callSince);
      wait = { since, deadline: since + outage.timeoutMs, outage };
    } else callSince = undefined;
    const pastDeadline = () => wait !== undefined && wait.outage.now() >= wait.deadline;
    const final = (landedCheckError?: unknown): RetryResult<R> => {
      const extra = {
        ...(landedCheckError === undefined ? {} : { landedCheckError }),
        ...(wait && pastDeadline() ? { gaveUp: { unansweredSince: wait.since } } : {}),
      };
      if (outcome.ok) {
        return {
          kind: "response",
          response: outcome.response,
          retryAfterMs: outcome.retryAfterMs,
          attempts: n,
          ...extra,
        };
      }
      const mayHaveLanded = !plan.idempotent && !provablyNotSent(outcome.error);
      return { kind: "error", error: outcome.error, attempts: n, mayHaveLanded, ...extra };
    };

    const retryable = outcome.ok
      ? (plan.retryableResponse ?? ((_r: R, s: number) => opts.statuses.includes(s)))(
          outcome.response,
          outcome.status,
        )
      : isRetryableTransportError(outcome.error);
    if (!retryable) return final();

    // A 429 is refused before any processing, and a connection that never opened carried
    // nothing: both are safe to re-send whatever the method. Anything else may have landed.
    const provenUnprocessed = outcome.ok ? outcome.status === 429 : provablyNotSent(outcome.error);
    const mustCheck = !plan.idempotent && !provenUnprocessed;
    const mayResend = wait ? !pastDeadline() : n < max;
    if (mustCheck && !plan.landed) return final();
    if (!mayResend && !mustCheck) return final();

    const retryAfterMs = outcome.ok ? outcome.retryAfterMs : undefined;
    let delay = retryDelay(n, retryAfterMs, opts);
    if (wait) {
      // The last attempt goes out at the deadline, not after it.
      delay = Math.min(delay, Math.max(0, wait.deadline - wait.outage.now()));
      // A backoff ends early when Quay answers another request; a Retry-After is the server's
      // wish and is not cut short.
      if (retryAfterMs === undefined) await wait.outage.pause(delay, plan.signal);
      else await sleep(delay, plan.signal);
    } else {
      await sleep(delay, plan.signal);
    }

    if (mustCheck && plan.landed) {
      // Asked after the last attempt too: the caller then learns that its call took effect
      // instead of getting a failure for something that is done. During an outage the check's own
      // request waits for Quay like any other, within the same deadline.
      plan.onLandedCheck?.();
      let landed: boolean;
      try {
        landed = await plan.landed();
      } catch (e) {
        return final(e);
      }
      if (landed) return { kind: "landed", last: outcome, attempts: n };
      if (!mayResend) return final();
    }
  }
}
