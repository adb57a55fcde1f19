/**
 * Riding out a Quay that does not answer (a restart takes tens of seconds; docs/client.md
 * "When Quay is unreachable"). One `Reachability` per client holds the state "no answer since t":
 * every call that gets no answer keeps trying until t plus the unreachable timeout, so requests
 * waiting together give up together instead of each waiting the whole timeout in turn, and a
 * call that starts when the timeout has already run out gives up after one attempt. When any
 * request gets an answer again, every call sleeping before its next attempt wakes up at once.
 */
import { ConfigError } from "../errors";
import { isPermanent503, type RawResponse } from "./response";
import { type AttemptOutcome, errorCode, isRetryableTransportError, type OutageWait, sleep } from "./retry";
import type { Wrapper } from "./wrappers";

/** A time when no request got an answer from Quay. */
export interface Outage {
  /** When the first attempt without an answer failed (ISO 8601). */
  readonly start: string;
  /** When the next answer came (ISO 8601). */
  readonly end: string;
  readonly durationMs: number;
  /** What the last failed attempt got: a transport code (`ECONNREFUSED`) or a status (`503`). */
  readonly cause: string;
  /** Attempts that got no answer meanwhile. */
  readonly failures: number;
  /** The unreachable timeout then in force: longer outages made the calls of that time fail. */
  readonly timeoutMs: number;
}

/** Default unreachable timeout: long enough for a Quay restart (observed: 30–40 s). */
export const DEFAULT_UNREACHABLE_TIMEOUT_MS = 120_000;

/**
 * Shorter gaps are the ordinary retries of a flaky request, not an outage: they are not recorded
 * and do not wake the waiting calls early (that would cut their backoff short).
 */
export const MIN_OUTAGE_MS = 1_000;

/**
 * Statuses that mean "no answer from Quay": what a proxy or load balancer in front of it says
 * while Quay is down or restarting. Quay's own permanent 503s (read-only) are answers.
 */
export function isUnansweredStatus(res: Pick<RawResponse, "status" | "data">): boolean {
  return (res.status === 502 || res.status === 503 || res.status === 504) && !isPermanent503(res.data);
}

/** Whether an attempt's failure means Quay gave no answer (as opposed to answering with an error). */
export function isUnansweredError(err: unknown): boolean {
  return isRetryableTransportError(err);
}

const CAUSES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ECONNABORTED: "connection aborted",
  EPIPE: "connection closed while sending",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENETDOWN: "network down",
  EAI_AGAIN: "name lookup failed",
  UND_ERR_SOCKET: "connection closed",
  UND_ERR_CLOSED: "connection closed",
  UND_ERR_CONNECT_TIMEOUT: "connect timeout",
  UND_ERR_HEADERS_TIMEOUT: "no response in time",
  UND_ERR_BODY_TIMEOUT: "response body stalled",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "response cut short",
  "502": "502 Bad Gateway",
  "503": "503 Service Unavailable",
  "504": "504 Gateway Timeout",
};

/** A cause in words, for people: `connection refused`, `503 Service Unavailable`. */
export function describeCause(cause: string): string {
  return CAUSES[cause] ?? cause;
}

/** `800 ms`, `4.2 s`, `32 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

const NOTICE_START = "Quay was unreachable for ";

/**
 * The line the providers and the program print when an outage ends; the CLI picks these lines out
 * of the engine's messages (isOutageNotice) for its summary.
 */
export function describeOutage(o: Outage): string {
  const what = `${NOTICE_START}${formatDuration(o.durationMs)} (${describeCause(o.cause)})`;
  return o.durationMs < o.timeoutMs
    ? `${what}; the run waited and went on`
    : `${what}, longer than the unreachable timeout (${formatDuration(o.timeoutMs)}): requests made meanwhile failed`;
}

export function isOutageNotice(text: string): boolean {
  return text.startsWith(NOTICE_START);
}

/** What an error says when its call gave up waiting for Quay. */
export function gaveUpNote(unansweredForMs: number, timeoutMs: number): string {
  return `Quay has not answered for ${formatDuration(unansweredForMs)}, longer than the unreachable timeout (${formatDuration(timeoutMs)}; quay-gitops:unreachableTimeoutSeconds or QUAY_UNREACHABLE_TIMEOUT_SECONDS)`;
}

/**
 * The unreachable timeout from stack config `quay-gitops:unreachableTimeoutSeconds` or
 * `QUAY_UNREACHABLE_TIMEOUT_SECONDS` (seconds; 0 turns the waiting off), in milliseconds.
 */
export function unreachableTimeoutMs(seconds: string | undefined): number {
  if (seconds === undefined || seconds.trim() === "") return DEFAULT_UNREACHABLE_TIMEOUT_MS;
  const n = Number(seconds);
  if (!Number.isFinite(n) || n < 0) {
    throw new ConfigError(
      `the unreachable timeout must be a number of seconds, 0 or more (quay-gitops:unreachableTimeoutSeconds or QUAY_UNREACHABLE_TIMEOUT_SECONDS), got ${JSON.stringify(seconds)}`,
    );
  }
  return Math.round(n * 1000);
}

export class Reachability implements OutageWait<RawResponse> {
  readonly timeoutMs: number;
  readonly #onOutage: (o: Outage) => void;
  readonly #now: () => number;
  #downSince: number | undefined;
  #cause = "";
  #failures = 0;
  readonly #sleepers = new Set<() => void>();

  constructor(timeoutMs: number, onOutage: (o: Outage) => void, now: () => number = Date.now) {
    this.timeoutMs = timeoutMs;
    this.#onOutage = onOutage;
    this.#now = now;
  }

  /** When Quay last stopped answering, while it still does not; undefined while it answers. */
  get downSince(): number | undefined {
    return this.#downSince;
  }

  /** The last unanswered attempt's cause (see {@link Outage.cause}). */
  get cause(): string {
    return this.#cause;
  }

  now(): number {
    return this.#now();
  }

  unanswered(outcome: AttemptOutcome<RawResponse>): boolean {
    return outcome.ok ? isUnansweredStatus(outcome.response) : isUnansweredError(outcome.error);
  }

  /** An attempt got no answer. */
  failed(cause: string): void {
    this.#downSince ??= this.#now();
    this.#cause = cause;
    this.#failures++;
  }

  /** An attempt got an answer: an outage that was going on is over. */
  answered(): void {
    const since = this.#downSince;
    if (since === undefined) return;
    const end = this.#now();
    const outage: Outage = {
      start: new Date(since).toISOString(),
      end: new Date(end).toISOString(),
      durationMs: end - since,
      cause: this.#cause,
      failures: this.#failures,
      timeoutMs: this.timeoutMs,
    };
    this.#downSince = undefined;
    this.#failures = 0;
    if (outage.durationMs < MIN_OUTAGE_MS) return;
    for (const wake of this.#sleepers) wake();
    this.#sleepers.clear();
    this.#onOutage(outage);
  }

  /**
   * Since when a call has had no answer, for its deadline: the start of its own run of
   * unanswered attempts (`callSince`), or the client's outage if that began earlier.
   */
  since(callSince: number): number {
    return Math.min(this.#downSince ?? callSince, callSince);
  }

  /** Sleeps `ms`, or less when Quay answers another request after an outage. */
  async pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    if (ms <= 0) return;
    const woken = new AbortController();
    const wake = () => woken.abort();
    this.#sleepers.add(wake);
    const onAbort = () => woken.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await sleep(ms, woken.signal);
    } catch (e) {
      if (signal?.aborted) throw signal.reason ?? e;
    } finally {
      this.#sleepers.delete(wake);
      signal?.removeEventListener("abort", onAbort);
    }
  }
}

/** Tells the client's {@link Reachability} what every attempt got. */
export function withReachability(r: Reachability): Wrapper {
  return (next) => async (req) => {
    let res: RawResponse;
    try {
      res = await next(req);
    } catch (e) {
      if (!req.signal?.aborted && isUnansweredError(e)) r.failed(errorCode(e) ?? "no answer");
      throw e;
    }
    if (isUnansweredStatus(res)) r.failed(String(res.status));
    else r.answered();
    return res;
  };
}
