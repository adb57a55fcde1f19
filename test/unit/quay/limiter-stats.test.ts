import { describe, expect, it } from "vitest";
import { Limiter } from "../../../src/quay/limiter";
import { RequestStats } from "../../../src/quay/stats";

describe("Limiter", () => {
  it("never runs more than max at once, and runs everything", async () => {
    const lim = new Limiter(3);
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        lim.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 1 + (i % 4)));
          running--;
          done.push(i);
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(lim.peak).toBe(3);
    expect(done).toHaveLength(20);
    expect(lim.active).toBe(0);
  });
  it("starts waiters in FIFO order and frees the slot on failure", async () => {
    const lim = new Limiter(1);
    const order: number[] = [];
    const ps = [0, 1, 2].map((i) =>
      lim
        .run(async () => {
          order.push(i);
          if (i === 0) throw new Error("x");
        })
        .catch(() => undefined),
    );
    await Promise.all(ps);
    expect(order).toEqual([0, 1, 2]);
  });
  it("drops an aborted waiter", async () => {
    const lim = new Limiter(1);
    let release!: () => void;
    const first = lim.run(() => new Promise<void>((r) => (release = r)));
    const ac = new AbortController();
    const second = lim.run(async () => "ran", ac.signal);
    expect(lim.pending).toBe(1);
    ac.abort(new Error("gone"));
    await expect(second).rejects.toThrow("gone");
    expect(lim.pending).toBe(0);
    release();
    await first;
  });
  it("refuses a bad limit", () => {
    expect(() => new Limiter(0)).toThrow(RangeError);
    expect(() => new Limiter(1.5)).toThrow(RangeError);
  });
});

describe("RequestStats", () => {
  it("counts attempts, reads/writes, retries and routes; reset returns the last snapshot", () => {
    const s = new RequestStats();
    s.recordCall();
    s.recordAttempt("GET", "/api/v1/organization/{orgname}", 1);
    s.recordOutcome(503);
    s.recordAttempt("GET", "/api/v1/organization/{orgname}", 2);
    s.recordOutcome(200);
    s.recordCall();
    s.recordAttempt("put", "/api/v1/organization/{orgname}/robots/{robot_shortname}", 1);
    s.recordOutcome(undefined);
    s.recordLandedCheck();
    const snap = s.snapshot();
    expect(snap).toMatchObject({
      total: 3,
      reads: 2,
      writes: 1,
      retries: 1,
      calls: 2,
      transportErrors: 1,
      landedChecks: 1,
    });
    expect(snap.byRoute).toEqual({
      "GET /api/v1/organization/{orgname}": 2,
      "PUT /api/v1/organization/{orgname}/robots/{robot_shortname}": 1,
    });
    expect(snap.byMethod).toEqual({ GET: 2, PUT: 1 });
    expect(snap.byStatus).toEqual({ "503": 1, "200": 1, error: 1 });
    expect(s.reset()).toEqual(snap);
    expect(s.snapshot()).toMatchObject({ total: 0, calls: 0, byRoute: {} });
  });
});
