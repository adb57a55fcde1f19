import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AttemptOutcome,
  backoffCeiling,
  DEFAULT_RETRY,
  errorCode,
  isIdempotent,
  isRetryableTransportError,
  parseRetryAfter,
  provablyNotSent,
  retryDelay,
  runWithRetry,
} from "../../../src/quay/retry";

const NOW = Date.parse("2026-01-01T00:00:00Z");

describe("parseRetryAfter", () => {
  it("reads delay-seconds", () => {
    expect(parseRetryAfter("0", NOW)).toBe(0);
    expect(parseRetryAfter("3", NOW)).toBe(3000);
    expect(parseRetryAfter(" 120 ", NOW)).toBe(120_000);
    expect(parseRetryAfter(["2", "9"], NOW)).toBe(2000);
  });
  it("reads an HTTP date, relative to now, never negative", () => {
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", NOW)).toBe(5000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", NOW)).toBe(0);
    // RFC 850 form, still allowed by RFC 9110 for recipients
    expect(parseRetryAfter("Thursday, 01-Jan-26 00:00:10 GMT", NOW)).toBe(10_000);
  });
  it("ignores what it cannot read", () => {
    for (const v of [undefined, "", "soon", "-1", "1.5", "1e3", "0x10"]) {
      expect(parseRetryAfter(v, NOW)).toBeUndefined();
    }
  });
});

describe("backoff", () => {
  const opts = { baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };
  it("doubles the ceiling per attempt up to the cap", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffCeiling(n, opts))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it("full jitter: always within [0, ceiling]", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (n, r) => {
          const d = retryDelay(n, undefined, { ...opts, random: () => r });
          return d >= 0 && d <= backoffCeiling(n, opts);
        },
      ),
    );
    expect(retryDelay(3, undefined, { ...opts, random: () => 0 })).toBe(0);
    expect(retryDelay(3, undefined, { ...opts, random: () => 0.999 })).toBe(399);
  });
  it("honours Retry-After, capped, plus at most baseDelayMs of jitter", () => {
    expect(retryDelay(1, 2000, { ...opts, random: () => 0 })).toBe(2000);
    expect(retryDelay(1, 2000, { ...opts, random: () => 0.5 })).toBe(2050);
    expect(retryDelay(1, 60_000, { ...opts, random: () => 0 })).toBe(5000);
    expect(retryDelay(1, 0, { ...opts, random: () => 0 })).toBe(0);
  });
});

describe("classification", () => {
  it("idempotent methods, with the caller's override", () => {
    expect(["GET", "head", "DELETE", "PUT", "OPTIONS"].every((m) => isIdempotent(m))).toBe(true);
    expect(isIdempotent("POST")).toBe(false);
    expect(isIdempotent("PATCH")).toBe(false);
    expect(isIdempotent("PUT", false)).toBe(false);
    expect(isIdempotent("POST", true)).toBe(true);
  });
  it("finds the code in a cause chain", () => {
    const e = new Error("fetch failed", { cause: Object.assign(new Error("x"), { code: "ECONNRESET" }) });
    expect(errorCode(e)).toBe("ECONNRESET");
    expect(isRetryableTransportError(e)).toBe(true);
  });
  it("retries transport failures, not TLS or argument errors", () => {
    const withCode = (code: string) => Object.assign(new Error(code), { code });
    for (const c of [
      "ECONNRESET",
      "ECONNREFUSED",
      "UND_ERR_SOCKET",
      "UND_ERR_CONNECT_TIMEOUT",
      "UND_ERR_HEADERS_TIMEOUT",
      "UND_ERR_BODY_TIMEOUT",
    ]) {
      expect(isRetryableTransportError(withCode(c)), c).toBe(true);
    }
    expect(isRetryableTransportError(new Error("socket hang up"))).toBe(true);
    for (const c of ["SELF_SIGNED_CERT_IN_CHAIN", "UND_ERR_INVALID_ARG", "ERR_TLS_CERT_ALTNAME_INVALID"]) {
      expect(isRetryableTransportError(withCode(c)), c).toBe(false);
    }
  });
  it("knows which failures prove nothing was sent", () => {
    expect(provablyNotSent(Object.assign(new Error(), { code: "ECONNREFUSED" }))).toBe(true);
    expect(provablyNotSent(Object.assign(new Error(), { code: "UND_ERR_CONNECT_TIMEOUT" }))).toBe(true);
    expect(provablyNotSent(Object.assign(new Error(), { code: "ECONNRESET" }))).toBe(false);
    expect(provablyNotSent(Object.assign(new Error(), { code: "UND_ERR_HEADERS_TIMEOUT" }))).toBe(false);
    expect(provablyNotSent(Object.assign(new Error(), { code: "SELF_SIGNED_CERT_IN_CHAIN" }))).toBe(true);
  });
});

describe("runWithRetry", () => {
  const fast = { ...DEFAULT_RETRY, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 5, maxAttempts: 4 };
  const resp = (status: number): AttemptOutcome<number> => ({
    ok: true,
    response: status,
    status,
    retryAfterMs: undefined,
  });
  const reset: AttemptOutcome<number> = {
    ok: false,
    error: Object.assign(new Error("reset"), { code: "ECONNRESET" }),
  };
  const refused: AttemptOutcome<number> = {
    ok: false,
    error: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }),
  };
  const script = (outs: AttemptOutcome<number>[]) => {
    let i = 0;
    const seen: number[] = [];
    return {
      seen,
      attempt: async (n: number) => {
        seen.push(n);
        const o = outs[Math.min(i, outs.length - 1)] as AttemptOutcome<number>;
        i++;
        return o;
      },
    };
  };

  it("re-sends idempotent calls until success", async () => {
    const s = script([resp(503), reset, resp(200)]);
    const r = await runWithRetry(s.attempt, { idempotent: true }, fast);
    expect(r).toMatchObject({ kind: "response", response: 200, attempts: 3 });
    expect(s.seen).toEqual([1, 2, 3]);
  });
  it("stops at maxAttempts and returns the last outcome", async () => {
    const s = script([resp(502)]);
    expect(await runWithRetry(s.attempt, { idempotent: true }, fast)).toMatchObject({
      kind: "response",
      response: 502,
      attempts: 4,
    });
    const t = script([reset]);
    expect(await runWithRetry(t.attempt, { idempotent: true }, fast)).toMatchObject({
      kind: "error",
      attempts: 4,
      mayHaveLanded: false,
    });
  });
  it("does not retry other statuses", async () => {
    const s = script([resp(400), resp(200)]);
    expect(await runWithRetry(s.attempt, { idempotent: true }, fast)).toMatchObject({
      response: 400,
      attempts: 1,
    });
  });
  it("never re-sends a non-idempotent call that may have landed, without a check", async () => {
    const s = script([reset, resp(201)]);
    expect(await runWithRetry(s.attempt, { idempotent: false }, fast)).toMatchObject({
      kind: "error",
      attempts: 1,
      mayHaveLanded: true,
    });
    const t = script([resp(504), resp(201)]);
    expect(await runWithRetry(t.attempt, { idempotent: false }, fast)).toMatchObject({
      kind: "response",
      response: 504,
      attempts: 1,
    });
  });
  it("re-sends a non-idempotent call after 429 or a refused connection, without a check", async () => {
    let checks = 0;
    const landed = async () => {
      checks++;
      return false;
    };
    const s = script([resp(429), refused, resp(201)]);
    expect(await runWithRetry(s.attempt, { idempotent: false, landed }, fast)).toMatchObject({
      response: 201,
      attempts: 3,
    });
    expect(checks).toBe(0);
  });
  it("asks landed() and re-sends when it says no", async () => {
    let checks = 0;
    const s = script([reset, resp(201)]);
    const r = await runWithRetry(
      s.attempt,
      {
        idempotent: false,
        landed: async () => {
          checks++;
          return false;
        },
      },
      fast,
    );
    expect(r).toMatchObject({ kind: "response", response: 201, attempts: 2 });
    expect(checks).toBe(1);
  });
  it("stops when landed() says yes", async () => {
    const s = script([resp(502), resp(201)]);
    const r = await runWithRetry(s.attempt, { idempotent: false, landed: async () => true }, fast);
    expect(r).toMatchObject({ kind: "landed", attempts: 1 });
    expect(s.seen).toEqual([1]);
  });
  it("asks landed() after the last attempt too", async () => {
    const s = script([reset]);
    let checks = 0;
    const yes = await runWithRetry(
      s.attempt,
      {
        idempotent: false,
        landed: async () => {
          checks++;
          return checks === 4;
        },
      },
      fast,
    );
    // attempts 1-3 were checked (not landed) and re-sent; after attempt 4 the check says yes
    expect(yes).toMatchObject({ kind: "landed", attempts: 4 });
    const t = script([reset]);
    const no = await runWithRetry(t.attempt, { idempotent: false, landed: async () => false }, fast);
    expect(no).toMatchObject({ kind: "error", attempts: 4, mayHaveLanded: true });
    expect(t.seen).toEqual([1, 2, 3, 4]);
  });
  it("a failing landed() check ends the call with the original failure", async () => {
    const s = script([reset, resp(201)]);
    const boom = new Error("check failed");
    const r = await runWithRetry(
      s.attempt,
      {
        idempotent: false,
        landed: async () => {
          throw boom;
        },
      },
      fast,
    );
    expect(r).toMatchObject({ kind: "error", mayHaveLanded: true, landedCheckError: boom, attempts: 1 });
  });
  it("uses the caller's response predicate", async () => {
    const s = script([resp(503), resp(200)]);
    const r = await runWithRetry(s.attempt, { idempotent: true, retryableResponse: () => false }, fast);
    expect(r).toMatchObject({ response: 503, attempts: 1 });
  });
  it("aborts a backoff sleep", async () => {
    const ac = new AbortController();
    const s = script([{ ok: true, response: 429, status: 429, retryAfterMs: 5 }]);
    const slow = { ...fast, maxRetryAfterMs: 10_000 };
    const p = runWithRetry(
      async (n) => {
        const o = await s.attempt(n);
        ac.abort(new Error("stop"));
        return { ...o, retryAfterMs: 10_000 } as AttemptOutcome<number>;
      },
      { idempotent: true, signal: ac.signal },
      slow,
    );
    await expect(p).rejects.toThrow("stop");
  });
});
