import { describe, expect, it } from "vitest";
import { applySummary } from "../../../src/cli/commands/apply";
import type { Applied } from "../../../src/gitops/run";
import { releasedOnDelete } from "../../../src/plan/events";
import { applyMessage, lastApplyOf } from "../../../src/plan/selection";
import { doneCounts, doneLine } from "../../../src/plan/text";
import { emptyCounts } from "../../../src/plan/types";

// An organization or repository with deletionPolicy retain is let go of, not deleted: the engine
// reports a delete, the summary says what happened in Quay.
describe("released objects", () => {
  it("a delete is a release when the state's deletionPolicy is not delete", () => {
    expect(releasedOnDelete({ outputs: { name: "globex", deletionPolicy: "retain" } })).toBe(true);
    expect(releasedOnDelete({ inputs: { name: "globex", deletionPolicy: "retain" } })).toBe(true);
    expect(releasedOnDelete({ outputs: { name: "globex", deletionPolicy: "delete" } })).toBe(false);
    // Kinds without the field are deleted.
    expect(releasedOnDelete({ outputs: { name: "acme+ci" } })).toBe(false);
    expect(releasedOnDelete(undefined)).toBe(false);
  });

  it("lines and counts say released, kept in Quay", () => {
    const org = { kind: "Organization", name: "globex", op: "delete" as const, released: true };
    const robot = { kind: "Robot", name: "globex+ci", op: "delete" as const };
    expect(doneLine(org)).toBe("released Organization globex, kept in Quay (deletionPolicy: retain)");
    expect(doneLine(robot)).toBe("deleted Robot globex+ci");
    expect(doneCounts([robot, org, { kind: "Team", name: "acme/dev", op: "create" }])).toBe(
      "1 created, 1 deleted, 1 released (kept in Quay)",
    );
  });

  it("the apply summary never says deleted for a retained organization", () => {
    const applied: Applied["applied"] = [
      { tenant: "globex", kind: "Robot", name: "globex+ci", op: "delete" },
      { tenant: "globex", kind: "Organization", name: "globex", op: "delete", released: true },
    ];
    const text = applySummary({
      kind: "applied",
      report: { stack: "local", checksum: "sha256:00", source: {} } as Applied["report"],
      commit: "bd11ab5766634ef2534c17c63c248b9c1aea41bc",
      branch: "main",
      applied,
      counts: { ...emptyCounts(), delete: 2, same: 3 },
      deferred: [],
      unplanned: [],
      messages: [],
      durationSeconds: 1,
      secrets: [],
      ran: true,
      unreachable: [],
    });
    expect(text).toContain(
      "0 created, 0 updated, 0 replaced, 1 deleted, 1 released (kept in Quay), 3 unchanged",
    );
    expect(text).toContain("  globex: 1 deleted, 1 released (kept in Quay)");
    expect(text).toContain("released Organization globex, kept in Quay");
    expect(text).not.toMatch(/deleted Organization globex/);
  });
});

describe("what the apply says it recorded", () => {
  const summary = (deferred: Applied["deferred"]) =>
    applySummary({
      kind: "applied",
      report: { stack: "local", checksum: "sha256:00", source: {} } as Applied["report"],
      commit: "bd11ab5766634ef2534c17c63c248b9c1aea41bc",
      branch: "main",
      applied: [{ tenant: "acme", kind: "Robot", name: "acme+scanner", op: "create" }],
      counts: { ...emptyCounts(), create: 1, same: 3 },
      deferred,
      unplanned: [],
      messages: [],
      durationSeconds: 1,
      secrets: [],
      ran: true,
      unreachable: [],
    });

  it("a complete apply is the next one's base", () => {
    expect(summary([])).toContain(
      "recorded as applied: bd11ab5766634ef2534c17c63c248b9c1aea41bc (main); the next apply compares with it",
    );
  });

  it("an apply that left deletes for later is not, and says so", () => {
    const deferred = [
      { tenant: "acme", kind: "Team", name: "acme/release-managers", op: "delete" },
    ] as Applied["deferred"];
    const text = summary(deferred);
    expect(text).toContain(
      "recorded as partly applied: bd11ab5766634ef2534c17c63c248b9c1aea41bc (main), deletes left for later; the next apply looks at every tenant",
    );
    expect(text).not.toContain("the next apply compares with it");
    // What the next run reads from the history agrees: no base, so every tenant.
    const message = applyMessage({
      commit: "bd11ab5766634ef2534c17c63c248b9c1aea41bc",
      branch: "main",
      version: "0.1.0",
      partial: true,
    });
    expect(lastApplyOf([{ kind: "update", result: "succeeded", message }])).toEqual({
      unknown: "the last apply left deletes for later (--no-deletes)",
    });
  });
});
