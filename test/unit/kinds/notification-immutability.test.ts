import { describe, expect, it } from "vitest";
import { type AuditEntry, attribute } from "../../../src/plan/attribution";
import type { DriftReport } from "../../../src/plan/drift";
import { planWarnings } from "../../../src/plan/safety";
import type { PlannedChange } from "../../../src/plan/types";
import { tenantObjects } from "../../../src/program/desired";
import { DEFAULT_REGISTRY_SPEC, lines, load } from "../tenant/helpers";

// The pure half of the RepositoryNotification and ImmutabilityPolicy kinds (src/kinds/): resource
// names, audit-log attribution (docs/quay-api.md#audit-logs) and plan warnings.

const TENANT = `teams: [{ name: devs }]
notifications:
  - { event: repo_push, method: slack, config: { urlFrom: { env: ACME_SLACK } } }
immutability: [{ tagPattern: "v[0-9]+" }]
repositories:
  - name: app
    immutability: [{ tagPattern: latest, tagPatternMatches: false }]
    notifications:
      - { event: vulnerability_found, method: quay_notification, eventConfig: { level: Critical }, config: { team: devs } }
      - { event: repo_push, method: email, title: ops, config: { email: ops@acme.example } }
  - name: lib
`;

function model() {
  const r = load(
    { acme: TENANT },
    { registry: `${DEFAULT_REGISTRY_SPEC}features: { immutableTags: true }\n` },
  );
  expect(lines(r)).toEqual([]);
  return r.state!.tenants[0]!;
}

describe("resource names", () => {
  it("a notification by repository, event, method and title; a policy by scope and pattern", () => {
    const names = tenantObjects(model())
      .filter((o) => o.kind === "RepositoryNotification" || o.kind === "ImmutabilityPolicy")
      .map((o) => `${o.kind} ${o.name}`);
    expect(names).toEqual([
      "RepositoryNotification acme/app/notification/repo_push/email/ops",
      "RepositoryNotification acme/app/notification/repo_push/slack",
      "RepositoryNotification acme/app/notification/vulnerability_found/quay_notification",
      "RepositoryNotification acme/lib/notification/repo_push/slack",
      "ImmutabilityPolicy acme/immutable/v[0-9]+",
      "ImmutabilityPolicy acme/app/immutable/latest",
    ]);
  });

  it("the config is no part of a notification's name: a changed config replaces the same resource", () => {
    const changed = load(
      { acme: TENANT.replace("config: { email: ops@acme.example }", "config: { email: sec@acme.example }") },
      { registry: `${DEFAULT_REGISTRY_SPEC}features: { immutableTags: true }\n` },
    ).state!.tenants[0]!;
    expect(changed.repositories[0]!.notifications.map((n) => n.config.email)).toContain("sec@acme.example");
    expect(tenantObjects(changed)).toEqual(tenantObjects(model()));
  });
});

const entry = (
  kind: string,
  metadata: Record<string, unknown>,
  at = "Fri, 27 Nov 2026 19:27:31 -0000",
): AuditEntry => ({
  kind,
  metadata,
  datetime: at,
  performer: { kind: "user", name: "oscar", is_robot: false },
});

function deleted(kind: string, name: string, identity: Record<string, string | boolean>): DriftReport {
  return {
    stack: "local",
    checked: 1,
    objects: [{ tenant: "acme", kind, name, status: "deleted", fields: [], identity }],
  };
}

describe("attribution from Quay's audit log", () => {
  const log = [
    entry("delete_repo_notification", {
      repo: "lib",
      namespace: "acme",
      event: "repo_push",
      method: "slack",
    }),
    entry(
      "delete_repo_notification",
      { repo: "app", namespace: "acme", event: "repo_push", method: "email", notification_id: "u1" },
      "Fri, 27 Nov 2026 19:20:00 -0000",
    ),
    entry("delete_immutability_policy", { namespace: "acme", repo: "app", policy_uuid: "p1" }),
    entry(
      "delete_immutability_policy",
      { namespace: "acme", policy_uuid: "p2" },
      "Fri, 27 Nov 2026 19:10:00 -0000",
    ),
  ];
  const logs = new Map([["org:acme", log]]);

  it("a deleted notification: the delete of its repository, event and method", () => {
    const r = attribute(
      deleted("RepositoryNotification", "acme/app/notification/repo_push/email/ops", {
        namespace: "acme",
        repository: "app",
        event: "repo_push",
        method: "email",
      }),
      { logs },
    );
    expect(r.objects[0]!.attribution).toMatchObject({
      actor: "oscar",
      action: "delete_repo_notification",
      at: "2026-11-27T19:20:00Z",
    });
  });

  it("a deleted immutability policy: a repository's by its repo, the organization's by having none", () => {
    const repo = attribute(
      deleted("ImmutabilityPolicy", "acme/app/immutable/latest", {
        namespace: "acme",
        repository: "app",
        tagPattern: "latest",
      }),
      { logs },
    );
    expect(repo.objects[0]!.attribution).toMatchObject({ at: "2026-11-27T19:27:31Z" });
    const org = attribute(
      deleted("ImmutabilityPolicy", "acme/immutable/v[0-9]+", { namespace: "acme", tagPattern: "v[0-9]+" }),
      { logs },
    );
    expect(org.objects[0]!.attribution).toMatchObject({ at: "2026-11-27T19:10:00Z" });
  });

  it("a deleted policy when two accounts deleted policies of its scope: nobody is named, and the note says why", () => {
    const byAnn: AuditEntry = {
      ...entry("delete_immutability_policy", { namespace: "acme", repo: "app", policy_uuid: "p3" }),
      performer: { kind: "user", name: "ann", is_robot: false },
    };
    const r = attribute(
      deleted("ImmutabilityPolicy", "acme/app/immutable/latest", {
        namespace: "acme",
        repository: "app",
        tagPattern: "latest",
      }),
      { logs: new Map([["org:acme", [...log, byAnn]]]) },
    );
    expect(r.objects[0]!.attribution).toBeUndefined();
    expect(r.objects[0]!.attributionNote).toBe(
      "Quay's log names only the scope of such a change, and ann, oscar made such changes since the last apply",
    );
  });

  it("a changed policy: the update of its pattern, not another policy's", () => {
    const report: DriftReport = {
      stack: "local",
      checked: 1,
      objects: [
        {
          tenant: "acme",
          kind: "ImmutabilityPolicy",
          name: "acme/immutable/v[0-9]+",
          status: "changed",
          fields: [{ field: "tagPatternMatches", desired: true, live: false }],
          identity: { namespace: "acme", tagPattern: "v[0-9]+", tagPatternMatches: true },
        },
      ],
    };
    const other = entry("update_immutability_policy", { namespace: "acme", tag_pattern: "stable" });
    expect(
      attribute(report, { logs: new Map([["org:acme", [other]]]) }).objects[0]!.attribution,
    ).toBeUndefined();
    const mine = entry("update_immutability_policy", { namespace: "acme", tag_pattern: "v[0-9]+" });
    expect(
      attribute(report, { logs: new Map([["org:acme", [other, mine]]]) }).objects[0]!.attribution,
    ).toMatchObject({ action: "update_immutability_policy" });
  });
});

describe("attribution of a pattern changed by hand", () => {
  it("Quay logs the update with the new pattern: found by the pattern it holds now, not by another's", () => {
    const report: DriftReport = {
      stack: "local",
      checked: 1,
      objects: [
        {
          tenant: "acme",
          kind: "ImmutabilityPolicy",
          name: "acme/app/immutable/latest",
          status: "changed",
          fields: [{ field: "tagPattern", desired: "latest", live: "stable" }],
          identity: { namespace: "acme", repository: "app", tagPattern: "latest", tagPatternMatches: true },
        },
      ],
    };
    const other = entry("update_immutability_policy", {
      namespace: "acme",
      repo: "app",
      tag_pattern: "nightly",
      tag_pattern_matches: true,
    });
    const orgs = entry("update_immutability_policy", {
      namespace: "acme",
      tag_pattern: "stable",
      tag_pattern_matches: true,
    });
    expect(
      attribute(report, { logs: new Map([["org:acme", [other, orgs]]]) }).objects[0]!.attribution,
    ).toBeUndefined();
    const mine = entry(
      "update_immutability_policy",
      { namespace: "acme", repo: "app", tag_pattern: "stable", tag_pattern_matches: true },
      "Fri, 27 Nov 2026 19:00:00 -0000",
    );
    expect(
      attribute(report, { logs: new Map([["org:acme", [other, orgs, mine]]]) }).objects[0]!.attribution,
    ).toMatchObject({ action: "update_immutability_policy", at: "2026-11-27T19:00:00Z" });
  });
});

const change = (c: Partial<PlannedChange> & Pick<PlannedChange, "kind" | "name" | "op">): PlannedChange => ({
  tenant: "acme",
  urn: `urn:${c.name}`,
  fields: [],
  ...c,
});

describe("plan warnings", () => {
  it("a notification change says it replaces the notification", () => {
    const w = planWarnings({
      changes: [
        change({
          kind: "RepositoryNotification",
          name: "acme/app/notification/repo_push/slack",
          op: "replace",
          replaceReasons: ["url"],
        }),
      ],
    });
    expect(w.map((x) => [x.code, x.message])).toEqual([
      [
        "NOTIFICATION_REPLACED",
        "notification acme/app/notification/repo_push/slack will be deleted and created anew (url cannot change in place): Quay cannot change a notification, the new one gets a new id and a zero failure count",
      ],
    ]);
  });

  it("a new policy freezes existing tags; a removed one leaves them frozen", () => {
    const w = planWarnings({
      changes: [
        change({ kind: "ImmutabilityPolicy", name: "acme/immutable/v[0-9]+", op: "create" }),
        change({ kind: "ImmutabilityPolicy", name: "acme/app/immutable/latest", op: "delete" }),
        change({
          kind: "ImmutabilityPolicy",
          name: "acme/immutable/rc",
          op: "update",
          fields: [{ field: "tagPatternMatches", old: true, new: false }],
        }),
      ],
    });
    expect(w.map((x) => `${x.code} ${x.names.join(",")}`)).toEqual([
      "TAGS_BECOME_IMMUTABLE acme/immutable/v[0-9]+,acme/immutable/rc",
      "IMMUTABILITY_REMOVED acme/app/immutable/latest",
    ]);
    expect(w[1]!.message).toContain("the tags it made immutable stay immutable");
  });
});
