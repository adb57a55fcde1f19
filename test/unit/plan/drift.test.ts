import { describe, expect, it } from "vitest";
import { type AuditEntry, attribute, logSourcesFor } from "../../../src/plan/attribution";
import { driftFromEvents } from "../../../src/plan/drift";
import { renderDriftJson, renderDriftMarkdown, renderDriftText } from "../../../src/plan/drift-render";
import { refreshed, SECRET, STACK } from "./events";

const team = {
  organization: "acme",
  name: "developers",
  role: "member",
  description: "Acme engineers",
  members: [],
};
const perms = [
  { kind: "robot", name: "acme+ci", role: "write" },
  { kind: "robot", name: "acme+cluster-pull", role: "read" },
  { kind: "team", name: "developers", role: "write" },
];
const repo = { namespace: "acme", name: "operator", description: "Acme operator images", permissions: perms };

/** What `refresh --preview-only` reported after oscar edited a team and a repository and deleted a robot. */
function events() {
  return [
    refreshed({
      op: "same",
      kind: "Organization",
      name: "acme",
      tenant: "acme",
      old: { name: "acme" },
      new: { name: "acme" },
    }),
    refreshed({
      op: "update",
      kind: "Team",
      name: "acme/developers",
      tenant: "acme",
      old: team,
      new: { ...team, description: "edited by oscar" },
    }),
    refreshed({
      op: "update",
      kind: "Repository",
      name: "acme/operator",
      tenant: "acme",
      old: repo,
      new: {
        ...repo,
        description: "oscar was here",
        permissions: perms.filter((p) => p.name !== "acme+cluster-pull"),
      },
    }),
    refreshed({
      op: "delete",
      kind: "Robot",
      name: "acme+cluster-pull",
      tenant: "acme",
      old: { organization: "acme", shortName: "cluster-pull", description: "pull" },
      oldOutputs: { organization: "acme", shortName: "cluster-pull", description: "pull", token: SECRET },
    }),
    refreshed({
      op: "delete",
      kind: "DefaultPermission",
      name: "acme/default/robot:acme+cluster-pull",
      tenant: "acme",
      old: { organization: "acme", delegate: { kind: "robot", name: "acme+cluster-pull" }, role: "read" },
    }),
  ];
}

const entry = (
  kind: string,
  who: string | null,
  at: string,
  metadata: Record<string, unknown>,
): AuditEntry => ({
  kind,
  datetime: at,
  metadata,
  ...(who ? { performer: { kind: "user", name: who, is_robot: false } } : {}),
});

// Newest first, as Quay serves them (§16.1).
const ACME_LOG: AuditEntry[] = [
  entry("delete_robot", "oscar", "Fri, 27 Nov 2026 19:47:18 -0000", { robot: "cluster-pull" }),
  entry("set_repo_description", "oscar", "Fri, 27 Nov 2026 19:47:17 -0000", {
    repo: "operator",
    namespace: "acme",
  }),
  entry("org_set_team_description", "oscar", "Fri, 27 Nov 2026 19:47:16 -0000", {
    team: "developers",
    description: "edited by oscar",
  }),
  // The last apply's own writes: not drift.
  entry("change_repo_permission", "admin", "Fri, 27 Nov 2026 19:45:37 -0000", {
    repo: "operator",
    username: "acme+cluster-pull",
  }),
  entry("create_prototype_permission", "admin", "Fri, 27 Nov 2026 19:45:37 -0000", {
    delegate_user: "acme+cluster-pull",
  }),
  entry("org_set_team_description", "admin", "Fri, 27 Nov 2026 19:45:36 -0000", { team: "developers" }),
];

describe("drift from a refresh preview", () => {
  const report = driftFromEvents(STACK, events());

  it("lists every drifted object and field with the applied and the live value", () => {
    expect(report.checked).toBe(5);
    expect(report.objects.map((o) => `${o.status} ${o.kind} ${o.name}`)).toEqual([
      "deleted DefaultPermission acme/default/robot:acme+cluster-pull",
      "changed Repository acme/operator",
      "deleted Robot acme+cluster-pull",
      "changed Team acme/developers",
    ]);
    expect(report.objects.find((o) => o.kind === "Team")!.fields).toEqual([
      { field: "description", desired: "Acme engineers", live: "edited by oscar" },
    ]);
    expect(report.objects.find((o) => o.kind === "Repository")!.fields.map((f) => f.field)).toEqual([
      "description",
      "permissions",
    ]);
  });

  it("attributes each field to its own log entry, and side effects to what caused them", () => {
    const sources = logSourcesFor(report);
    expect(sources).toEqual([{ org: "acme" }, { superuser: true }]);
    const a = attribute(report, {
      logs: new Map([
        ["org:acme", ACME_LOG],
        ["superuser", []],
      ]),
      me: "admin",
      since: new Date("2026-11-27T19:40:00Z"),
      ownRun: { from: new Date("2026-11-27T19:40:00Z"), to: new Date("2026-11-27T19:46:00Z") },
    });
    const by = (kind: string) => a.objects.find((o) => o.kind === kind)!;
    expect(by("Team").fields[0]!.attribution).toEqual({
      actor: "oscar",
      robot: false,
      ours: false,
      at: "2026-11-27T19:47:16Z",
      action: "org_set_team_description",
      via: "direct",
    });
    const repoFields = by("Repository").fields;
    expect(repoFields[0]!.attribution).toMatchObject({
      actor: "oscar",
      action: "set_repo_description",
      via: "direct",
    });
    // Quay removed the grant when oscar deleted the robot, and logged only delete_robot.
    expect(repoFields[1]!.attribution).toMatchObject({
      actor: "oscar",
      action: "delete_robot",
      via: "related",
    });
    expect(by("Robot").attribution).toMatchObject({ actor: "oscar", action: "delete_robot", via: "direct" });
    // A deleted default permission is not explained by its creation.
    expect(by("DefaultPermission").attribution).toMatchObject({
      actor: "oscar",
      action: "delete_robot",
      via: "related",
    });
  });

  it("recognizes quay-gitops' own account outside its own apply", () => {
    const later = [
      entry("org_set_team_description", "admin", "Fri, 27 Nov 2026 21:00:00 -0000", { team: "developers" }),
    ];
    const a = attribute(report, {
      logs: new Map([["org:acme", later]]),
      me: "admin",
      ownRun: { from: new Date("2026-11-27T19:40:00Z"), to: new Date("2026-11-27T19:46:00Z") },
    });
    expect(a.objects.find((o) => o.kind === "Team")!.fields[0]!.attribution).toMatchObject({
      actor: "admin",
      ours: true,
    });
  });

  it("says why when there is no attribution", () => {
    const a = attribute(report, {
      logs: new Map(),
      unavailable: new Map([
        ["org:acme", "the token may not read the audit log of organization acme (403; it needs org:admin)"],
      ]),
    });
    expect(a.objects.find((o) => o.kind === "Team")!.attributionNote).toContain("403");
    const none = attribute(report, {
      logs: new Map([
        ["org:acme", []],
        ["superuser", []],
      ]),
    });
    expect(none.objects[0]!.attributionNote).toBe("no matching audit log entry since the last apply");
  });

  it("renders Markdown, JSON and text naming object, field and actor", async () => {
    const a = attribute(
      { ...report, since: "2026-11-27T19:45:30Z" },
      {
        logs: new Map([
          ["org:acme", ACME_LOG],
          ["superuser", []],
        ]),
        me: "admin",
        ownRun: { from: new Date("2026-11-27T19:40:00Z"), to: new Date("2026-11-27T19:46:00Z") },
      },
    );
    const md = renderDriftMarkdown(a);
    await expect(md).toMatchFileSnapshot("__snapshots__/drift.md");
    expect(md.split("\n")[0]).toBe("<!-- quay-gitops:drift stack=local -->");
    const json = JSON.parse(renderDriftJson(a));
    expect(json).toMatchObject({ kind: "quay-gitops/drift", drift: true });
    expect(json.objects[0]).not.toHaveProperty("identity");
    const text = renderDriftText(a);
    expect(text).toContain('description: last applied "Acme engineers", live "edited by oscar"');
    expect(text).toContain("by oscar at 2026-11-27 19:47:16 UTC (org_set_team_description)");
  });

  it("reports no drift when every object is the same", () => {
    const clean = driftFromEvents(STACK, [events()[0]!]);
    expect(clean.objects).toEqual([]);
    expect(renderDriftText(clean)).toBe("No drift: all 1 Quay objects match the last apply.\n");
  });
});
