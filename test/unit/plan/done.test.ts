import { describe, expect, it } from "vitest";
import { applySummary } from "../../../src/cli/commands/apply";
import type { Applied } from "../../../src/gitops/run";
import { releasedOnDelete } from "../../../src/plan/events";
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
