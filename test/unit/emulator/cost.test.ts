import { describe, expect, it } from "vitest";
import { authCostOf, costMs, parseCost, QUAY_COST } from "../../../emulator/cost";

describe("emulator cost model (docs/emulator.md, What a request costs)", () => {
  it("charges the bearer token when there is one, a session for a cookie alone, the base otherwise", () => {
    const get = (headers: Record<string, string>) => authCostOf("GET", "/api/v1/user/", headers);
    expect(get({ authorization: "Bearer abc" })).toBe("token");
    expect(get({ authorization: "bearer abc", cookie: "_csrf_token=x" })).toBe("token");
    expect(get({ cookie: "_csrf_token=x" })).toBe("session");
    expect(get({ authorization: "Basic dTpw", cookie: "_csrf_token=x" })).toBe("session");
    expect(get({ cookie: "" })).toBe("anonymous");
    expect(get({ authorization: "Bearer " })).toBe("anonymous");
    expect(get({})).toBe("anonymous");
  });

  it("charges sign-in and its verification a password check, whatever the headers", () => {
    expect(authCostOf("POST", "/api/v1/signin", { cookie: "_csrf_token=x" })).toBe("password");
    expect(authCostOf("POST", "/api/v1/signin/verify", { cookie: "_csrf_token=x" })).toBe("password");
    expect(authCostOf("GET", "/api/v1/signin", { cookie: "_csrf_token=x" })).toBe("session");
  });

  it("a request holds base plus its credential's check; a password costs what a token does", () => {
    const spec = { workers: 1, baseMs: 10, tokenAuthMs: 200, sessionAuthMs: 5 };
    expect(costMs(spec, "token")).toBe(210);
    expect(costMs(spec, "password")).toBe(210);
    expect(costMs(spec, "session")).toBe(15);
    expect(costMs(spec, "anonymous")).toBe(10);
  });

  it("the quay preset: 2 workers, 256 ms a token request, 19 ms a session request", () => {
    expect(QUAY_COST.workers).toBe(2);
    expect(costMs(QUAY_COST, "token")).toBe(256);
    expect(costMs(QUAY_COST, "session")).toBe(19);
    // At concurrency 8 the workers bound the rate: 7.8/s with tokens, ~105/s with sessions, as
    // measured on a live Quay (docs/benchmarks.md).
    expect(QUAY_COST.workers / (costMs(QUAY_COST, "token") / 1000)).toBeCloseTo(7.8, 1);
    expect(QUAY_COST.workers / (costMs(QUAY_COST, "session") / 1000)).toBeCloseTo(105, 0);
  });

  it("parses a preset name or the numbers, and refuses anything else with the caller's code", () => {
    expect(parseCost("quay", "cost", "QG_EMU_CONTROL")).toBe(QUAY_COST);
    expect(parseCost({ workers: 3, tokenAuthMs: 100 }, "cost", "QG_EMU_CONTROL")).toEqual({
      workers: 3,
      tokenAuthMs: 100,
      sessionAuthMs: 0,
      baseMs: 0,
    });
    const refused = (value: unknown) => {
      try {
        parseCost(value, "cost", "QG_EMU_CONFIG");
      } catch (e) {
        return e as { code: string; message: string };
      }
      throw new Error("accepted");
    };
    expect(refused("slow")).toMatchObject({ code: "QG_EMU_CONFIG", message: expect.stringMatching(/quay/) });
    expect(refused({ tokenAuthMs: 1 }).message).toMatch(/workers must be a positive integer/);
    expect(refused({ workers: 0 }).message).toMatch(/workers must be a positive integer/);
    expect(refused({ workers: 1.5 }).message).toMatch(/workers/);
    expect(refused({ workers: 1, baseMs: -1 }).message).toMatch(/baseMs must be a non-negative/);
    expect(refused({ workers: 1, tokenMs: 1 }).message).toMatch(/tokenMs is not a cost setting/);
    expect(refused([2]).code).toBe("QG_EMU_CONFIG");
  });
});
