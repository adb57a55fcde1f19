import { describe, expect, it } from "vitest";
import { Faults } from "../../../emulator/faults";

const T = "/api/v1/organization/{orgname}";

function run(f: Faults, n: number): string[] {
  return Array.from({ length: n }, () => {
    const d = f.decide("GET", T, "/api/v1/organization/acme");
    return d.action.kind === "status" ? String(d.action.status) : d.action.kind;
  });
}

describe("emulator fault injection", () => {
  it("is inactive until configured", () => {
    const f = new Faults();
    expect(f.active).toBe(false);
    expect(f.decide("GET", T, "/x")).toEqual({ delayMs: 0, action: { kind: "none" } });
  });

  it("is deterministic for a seed", () => {
    const spec = { seed: 9, errors: [{ rate: 0.4, status: 500 as const }], resetRate: 0.1 };
    const a = new Faults();
    a.configure(spec);
    const b = new Faults();
    b.configure(spec);
    expect(run(a, 50)).toEqual(run(b, 50));
  });

  it("latency stays within latency ± jitter and never below 0", () => {
    const f = new Faults();
    f.configure({ seed: 1, latencyMs: 10, jitterMs: 30 });
    for (let i = 0; i < 100; i++) {
      const { delayMs } = f.decide("GET", T, "/x");
      expect(delayMs).toBeGreaterThanOrEqual(0);
      expect(delayMs).toBeLessThanOrEqual(40);
    }
  });

  it("failNext counts down only on matching requests", () => {
    const f = new Faults();
    f.configure({ failNext: [{ method: "PUT", count: 2, status: 502 }] });
    expect(run(f, 3)).toEqual(["none", "none", "none"]);
    expect(f.decide("PUT", T, "/x").action).toMatchObject({ kind: "status", status: 502 });
    expect(f.describe().failNextRemaining).toEqual([1]);
  });

  it("throttle bursts return 429 with Retry-After for burst requests", () => {
    const f = new Faults();
    f.configure({ seed: 2, throttle: { rate: 1, burst: 2, retryAfterSeconds: 7 } });
    expect(f.decide("GET", T, "/x").action).toEqual({
      kind: "status",
      status: 429,
      retryAfter: 7,
      reason: "throttle",
    });
  });

  it("rejects invalid specifications with QG_EMU_CONTROL", () => {
    const f = new Faults();
    expect(() => f.configure({ errors: [{ rate: 1.5 }] })).toThrow(
      expect.objectContaining({ code: "QG_EMU_CONTROL" }),
    );
    expect(() => f.configure([] as unknown as object)).toThrow();
  });
});
