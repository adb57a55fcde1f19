import { describe, expect, it } from "vitest";
import {
  describeOutage,
  formatDuration,
  isOutageNotice,
  isUnansweredStatus,
  MIN_OUTAGE_MS,
  type Outage,
  Reachability,
  unreachableTimeoutMs,
} from "../../../src/quay/outage";
import { type AttemptOutcome, DEFAULT_RETRY, type OutageWait, runWithRetry } from "../../../src/quay/retry";

const refused: AttemptOutcome<number> = {
  ok: false,
  error: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }),
};
const reset: AttemptOutcome<number> = {
  ok: false,
  error: Object.assign(new Error("reset"), { code: "ECONNRESET" }),
};
const resp = (status: number, retryAfterMs?: number): AttemptOutcome<number> => ({
  ok: true,
  response: status,
  status,
  retryAfterMs,
});

/**
 * A client's outage state on a clock the test drives: every attempt takes 10 ms, a pause moves the
 * clock by its length. `downSince` is when the client's outage began (before the call, or never).
 */
function clock(timeoutMs: number, downSince?: number) {
  let t = 0;
  const starts: number[] = [];
  const pauses: number[] = [];
  const wait: OutageWait<number> = {
    unanswered: (o) => (o.ok ? [502, 503, 504].includes(o.status) : true),
    since: (callSince) => Math.min(downSince ?? callSince, callSince),
    timeoutMs,
    pause: async (ms) => {
      pauses.push(ms);
      t += ms;
    },
    now: () => t,
  };
  const script = (outs: AttemptOutcome<number>[]) => {
    let i = 0;
    return async () => {
      starts.push(t);
      t += 10;
      const o = outs[Math.min(i, outs.length - 1)] as AttemptOutcome<number>;
      i++;
      return o;
    };
  };
  return { wait, script, starts, pauses, now: () => t };
}

// Backoff: 100 ms, then 200, 400, 400, ... (random 0.999999 takes the top of each window).
const opts = { ...DEFAULT_RETRY, maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 400, random: () => 0.999999 };

describe("runWithRetry while Quay gives no answer (an outage)", () => {
  it("keeps trying past maxAttempts until the unreachable timeout; the last attempt goes out at the deadline", async () => {
    const c = clock(2_000);
    const r = await runWithRetry(c.script([refused]), { idempotent: true, outage: c.wait }, opts);
    // The call has had no answer since its first attempt failed, at 10 ms.
    expect(r).toMatchObject({ kind: "error", gaveUp: { unansweredSince: 10 } });
    expect(r.attempts).toBeGreaterThan(opts.maxAttempts);
    expect(c.starts.at(-1)).toBe(2_010);
  });

  it("succeeds when Quay answers within the timeout, with no gaveUp", async () => {
    const c = clock(60_000);
    const outs = [...Array.from({ length: 9 }, () => refused), resp(503), resp(200)];
    const r = await runWithRetry(c.script(outs), { idempotent: true, outage: c.wait }, opts);
    expect(r).toMatchObject({ kind: "response", response: 200, attempts: 11 });
    expect(r).not.toHaveProperty("gaveUp");
  });

  it("a call that starts when the outage is older than the timeout gives up after one attempt", async () => {
    const c = clock(2_000, -5_000);
    const r = await runWithRetry(c.script([refused, resp(200)]), { idempotent: true, outage: c.wait }, opts);
    expect(r).toMatchObject({ kind: "error", attempts: 1, gaveUp: { unansweredSince: -5_000 } });
    expect(c.pauses).toEqual([]);
  });

  it("a call that joins a running outage gets what is left of its timeout, not a new one", async () => {
    const c = clock(2_000, -1_500);
    const r = await runWithRetry(c.script([refused]), { idempotent: true, outage: c.wait }, opts);
    expect(r).toMatchObject({ kind: "error", gaveUp: { unansweredSince: -1_500 } });
    expect(c.starts.at(-1)).toBe(500);
  });

  it("answers with an error (500, 429) are bounded by maxAttempts as before", async () => {
    const c = clock(60_000);
    const r = await runWithRetry(c.script([refused, resp(500)]), { idempotent: true, outage: c.wait }, opts);
    expect(r).toMatchObject({ kind: "response", response: 500, attempts: 4 });
    expect(r).not.toHaveProperty("gaveUp");
  });

  it("a Retry-After is slept in full, not as a pause that an answer elsewhere would cut short", async () => {
    const c = clock(60_000);
    const fast = { ...opts, baseDelayMs: 1, maxRetryAfterMs: 5 };
    const r = await runWithRetry(
      c.script([resp(503, 2), refused, resp(200)]),
      { idempotent: true, outage: c.wait },
      fast,
    );
    expect(r).toMatchObject({ kind: "response", response: 200, attempts: 3 });
    expect(c.pauses).toHaveLength(1);
  });

  it("a call allowed one attempt (retry: false) does not wait for Quay", async () => {
    const c = clock(60_000);
    const r = await runWithRetry(
      c.script([refused, resp(200)]),
      { idempotent: true, outage: c.wait },
      { ...opts, maxAttempts: 1 },
    );
    expect(r).toMatchObject({ kind: "error", attempts: 1 });
  });

  it("a create whose connection broke is checked with landed() and re-sent only when it did not land", async () => {
    const c = clock(60_000);
    let checks = 0;
    const landed = async () => {
      checks++;
      return false;
    };
    // reset after sending: may have landed → checked; refused: nothing was sent → re-sent as is.
    const outs = [reset, ...Array.from({ length: 8 }, () => refused), resp(201)];
    const r = await runWithRetry(c.script(outs), { idempotent: false, landed, outage: c.wait }, opts);
    expect(r).toMatchObject({ kind: "response", response: 201, attempts: 10 });
    expect(checks).toBe(1);

    const d = clock(60_000);
    const found = await runWithRetry(
      d.script([reset, resp(201)]),
      { idempotent: false, landed: async () => true, outage: d.wait },
      opts,
    );
    expect(found).toMatchObject({ kind: "landed", attempts: 1 });
  });

  it("a create that may have landed is never re-sent blindly, outage or not", async () => {
    const c = clock(60_000);
    const r = await runWithRetry(c.script([reset, resp(201)]), { idempotent: false, outage: c.wait }, opts);
    expect(r).toMatchObject({ kind: "error", attempts: 1, mayHaveLanded: true });
  });

  it("after the timeout, landed() is still asked, and a create that did not land is not re-sent", async () => {
    const c = clock(2_000, -5_000);
    let checks = 0;
    const r = await runWithRetry(
      c.script([reset, resp(201)]),
      {
        idempotent: false,
        landed: async () => {
          checks++;
          return false;
        },
        outage: c.wait,
      },
      opts,
    );
    expect(r).toMatchObject({ kind: "error", attempts: 1, mayHaveLanded: true, gaveUp: {} });
    expect(checks).toBe(1);
  });
});

describe("Reachability: one outage state per client", () => {
  function reach(timeoutMs = 120_000) {
    let t = 1_000_000;
    const outages: Outage[] = [];
    const r = new Reachability(
      timeoutMs,
      (o) => outages.push(o),
      () => t,
    );
    return { r, outages, at: (ms: number) => (t = 1_000_000 + ms) };
  }

  it("records an outage from the first unanswered attempt to the next answer, with the last cause", () => {
    const { r, outages, at } = reach();
    r.answered();
    at(0);
    r.failed("ECONNRESET");
    at(500);
    r.failed("ECONNREFUSED");
    expect(r.downSince).toBe(1_000_000);
    at(32_400);
    r.answered();
    expect(r.downSince).toBeUndefined();
    expect(outages).toEqual([
      {
        start: new Date(1_000_000).toISOString(),
        end: new Date(1_032_400).toISOString(),
        durationMs: 32_400,
        cause: "ECONNREFUSED",
        failures: 2,
        timeoutMs: 120_000,
      },
    ]);
    expect(describeOutage(outages[0] as Outage)).toBe(
      "Quay was unreachable for 32 s (connection refused); the run waited and went on",
    );
  });

  it("a gap shorter than a second is a retry, not an outage", () => {
    const { r, outages, at } = reach();
    at(0);
    r.failed("503");
    at(MIN_OUTAGE_MS - 1);
    r.answered();
    expect(outages).toEqual([]);
    expect(r.downSince).toBeUndefined();
  });

  it("the calls that sleep before their next attempt wake up when Quay answers after an outage", async () => {
    const { r, at } = reach();
    at(0);
    r.failed("ECONNREFUSED");
    // A minute of real sleep: only the wake-up lets the test finish in time.
    const sleeping = [r.pause(60_000, undefined), r.pause(60_000, undefined)];
    at(2_000);
    r.answered();
    await Promise.all(sleeping);
  });

  it("after a short gap the sleepers keep their backoff", async () => {
    const { r, at } = reach();
    at(0);
    r.failed("503");
    let woke = false;
    const p = r.pause(200, undefined).then(() => {
      woke = true;
    });
    at(10);
    r.answered();
    await new Promise((resolve) => setImmediate(resolve));
    expect(woke).toBe(false);
    await p;
  });

  it("an abort ends a pause with the abort's reason", async () => {
    const { r } = reach();
    const ac = new AbortController();
    const p = r.pause(60_000, ac.signal);
    ac.abort(new Error("cancelled"));
    await expect(p).rejects.toThrow("cancelled");
  });

  it("says when an outage outlasted the timeout", () => {
    const o: Outage = {
      start: "",
      end: "",
      durationMs: 150_000,
      cause: "503",
      failures: 40,
      timeoutMs: 120_000,
    };
    expect(describeOutage(o)).toBe(
      "Quay was unreachable for 2 min 30 s (503 Service Unavailable), longer than the unreachable timeout (2 min): requests made meanwhile failed",
    );
    expect(isOutageNotice(describeOutage(o))).toBe(true);
    expect(isOutageNotice("adopted existing robot acme+ci")).toBe(false);
  });
});

describe("outage helpers", () => {
  it("a proxy's 502/503/504 is no answer; Quay's read-only 503 is one", () => {
    expect(isUnansweredStatus({ status: 502, data: "<html>" })).toBe(true);
    expect(isUnansweredStatus({ status: 504, data: undefined })).toBe(true);
    expect(isUnansweredStatus({ status: 503, data: { message: "x", is_readonly: true } })).toBe(false);
    expect(isUnansweredStatus({ status: 500, data: "<html>" })).toBe(false);
  });

  it("formats durations for people", () => {
    expect(formatDuration(800)).toBe("800 ms");
    expect(formatDuration(4_240)).toBe("4.2 s");
    expect(formatDuration(32_400)).toBe("32 s");
    expect(formatDuration(120_000)).toBe("2 min");
    expect(formatDuration(125_000)).toBe("2 min 5 s");
  });

  it("reads the timeout in seconds; default 2 minutes; 0 turns it off; nonsense is a config error", () => {
    expect(unreachableTimeoutMs(undefined)).toBe(120_000);
    expect(unreachableTimeoutMs("")).toBe(120_000);
    expect(unreachableTimeoutMs("0")).toBe(0);
    expect(unreachableTimeoutMs("2.5")).toBe(2_500);
    expect(() => unreachableTimeoutMs("-1")).toThrow(
      expect.objectContaining({
        code: "QG_ERR_CONFIG",
        message: expect.stringMatching(/unreachableTimeoutSeconds/),
      }),
    );
    expect(() => unreachableTimeoutMs("2m")).toThrow(expect.objectContaining({ code: "QG_ERR_CONFIG" }));
  });
});
