/**
 * The plan's checksum (docs/design.md#designs-we-borrowed, octoDNS `--checksum`): the PR comment shows it, and
 * `quay-gitops apply --expect-checksum` refuses to run when the fresh plan hashes differently, i.e. when
 * the tenant files or the live registry changed since the plan was reviewed.
 *
 * It hashes what the run would do: stack, and per change tenant, kind, name, op and the changed fields
 * with old and new values (secrets as `[secret]`), sorted by tenant, kind and name. URNs, counts of
 * unchanged objects, warnings, budgets, Git data and the changed-files list are left out: they are
 * derived from the changes or describe where the run came from, not what it does.
 */
import { createHash } from "node:crypto";
import { compareChanges } from "./events";
import type { Plan } from "./types";
import { canonicalJson, cmp } from "./values";

export const CHECKSUM_VERSION = 1;

/** The canonical document the checksum hashes (exported for tests and for debugging a mismatch). */
export function canonicalPlan(plan: Pick<Plan, "stack" | "changes">): string {
  const changes = [...plan.changes].sort(compareChanges).map((c) => ({
    tenant: c.tenant,
    kind: c.kind,
    name: c.name,
    op: c.op,
    fields: [...c.fields].sort((a, b) => cmp(a.field, b.field)),
    ...(c.replaceReasons ? { replaceReasons: [...c.replaceReasons].sort(cmp) } : {}),
  }));
  return canonicalJson({ version: CHECKSUM_VERSION, stack: plan.stack, changes });
}

/** `sha256:` and 64 hex digits. */
export function planChecksum(plan: Pick<Plan, "stack" | "changes">): string {
  return `sha256:${createHash("sha256").update(canonicalPlan(plan), "utf8").digest("hex")}`;
}

/** Accepts a checksum with or without the `sha256:` prefix, in any case; undefined if malformed. */
export function normalizeChecksum(text: string): string | undefined {
  const m = /^(?:sha256:)?([0-9a-f]{64})$/i.exec(text.trim());
  return m ? `sha256:${m[1]!.toLowerCase()}` : undefined;
}
