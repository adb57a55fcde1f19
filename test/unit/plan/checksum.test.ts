import { describe, expect, it } from "vitest";
import { canonicalPlan, normalizeChecksum, planChecksum } from "../../../src/plan/checksum";
import { planFromEvents } from "../../../src/plan/events";
import { samplePreviewEvents, STACK } from "./events";

describe("plan checksum", () => {
  const plan = planFromEvents(STACK, samplePreviewEvents());

  it("is sha256 of the canonical plan, stable across event order and URNs", () => {
    const sum = planChecksum(plan);
    expect(sum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(planChecksum(planFromEvents(STACK, [...samplePreviewEvents()].reverse()))).toBe(sum);
    expect(planChecksum({ ...plan, changes: plan.changes.map((c) => ({ ...c, urn: "elsewhere" })) })).toBe(
      sum,
    );
    expect(planChecksum({ ...plan, changes: [...plan.changes].reverse() })).toBe(sum);
  });

  it("changes with any value, op or the stack", () => {
    const sum = planChecksum(plan);
    const edited = plan.changes.map((c, i) =>
      i === 0
        ? { ...c, fields: c.fields.map((f) => (f.field === "description" ? { ...f, new: "other" } : f)) }
        : c,
    );
    expect(planChecksum({ ...plan, changes: edited })).not.toBe(sum);
    expect(planChecksum({ ...plan, changes: plan.changes.slice(1) })).not.toBe(sum);
    expect(planChecksum({ ...plan, stack: "prod" })).not.toBe(sum);
  });

  it("hashes no secret plaintext: the canonical document only holds placeholders", () => {
    expect(canonicalPlan(plan)).not.toMatch(/ciphertext|4dabf181/);
  });

  it("accepts what users paste", () => {
    const hex = "A".repeat(64);
    expect(normalizeChecksum(hex)).toBe(`sha256:${"a".repeat(64)}`);
    expect(normalizeChecksum(` sha256:${"b".repeat(64)}\n`)).toBe(`sha256:${"b".repeat(64)}`);
    expect(normalizeChecksum("sha256:abc")).toBeUndefined();
  });
});
