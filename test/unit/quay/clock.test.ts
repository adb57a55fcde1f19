import { describe, expect, it } from "vitest";
import { clockOffset } from "../../../src/quay/api/clock";

describe("Quay's clock from a Date header", () => {
  it("takes the header's second at its middle against the middle of the request", () => {
    const sent = Date.parse("2026-12-02T19:00:42.800Z");
    const received = sent + 400;
    // Our middle is 19:00:43.000; Quay's header says 19:00:45, i.e. 19:00:45.5 give or take half a second.
    expect(clockOffset("Wed, 02 Dec 2026 19:00:45 GMT", sent, received)).toBe(2_500);
    expect(clockOffset("Wed, 02 Dec 2026 18:58:00 GMT", sent, received)).toBe(-162_500);
  });

  it("has no reading without a usable header", () => {
    expect(clockOffset(undefined, 0, 1)).toBeUndefined();
    expect(clockOffset("yesterday", 0, 1)).toBeUndefined();
    expect(clockOffset(["a", "b"], 0, 1)).toBeUndefined();
  });
});
