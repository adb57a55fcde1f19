import { describe, expect, it } from "vitest";
import { type AuditEntry, attribute, logSourcesFor } from "../../../src/plan/attribution";
import type { OwnRun } from "../../../src/plan/runs";
import { driftFromEvents } from "../../../src/plan/drift";
import {
  actorText,
  renderDriftJson,
  renderDriftMarkdown,
  renderDriftText,
} from "../../../src/plan/drift-render";
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

/** What Quay adds to every entry written with quay-gitops' token (endpoints/api/__init__.py log_action). */
const OUR_TOKEN = {
  oauth_token_id: 2,
  oauth_token_application_id: "AKWJFLAA925IDWK4B4IN",
  oauth_token_application: "quay-gitops",
};

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

// Newest first, as Quay serves them (docs/quay-api.md#audit-logs).
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
  // The last apply's own writes, with its OAuth token: not drift.
  entry("change_repo_permission", "admin", "Fri, 27 Nov 2026 19:45:37 -0000", {
    repo: "operator",
    username: "acme+cluster-pull",
    ...OUR_TOKEN,
  }),
  entry("create_prototype_permission", "admin", "Fri, 27 Nov 2026 19:45:37 -0000", {
    delegate_user: "acme+cluster-pull",
    ...OUR_TOKEN,
  }),
  entry("org_set_team_description", "admin", "Fri, 27 Nov 2026 19:45:36 -0000", {
    team: "developers",
    ...OUR_TOKEN,
  }),
];

/** The last apply, in Quay's clock, written with a token. */
const LAST_RUN: OwnRun[] = [
  { from: new Date("2026-11-27T19:45:27Z"), to: new Date("2026-11-27T19:45:42Z"), auth: "token" },
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
      since: LAST_RUN[0]!.from,
      ownRuns: LAST_RUN,
    });
    const by = (kind: string) => a.objects.find((o) => o.kind === kind)!;
    expect(by("Team").fields[0]!.attribution).toEqual({
      actor: "oscar",
      robot: false,
      automationAccount: false,
      ours: false,
      auth: "session",
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

  it("tells the automation's account used by hand or with a token from the runs' own writes", () => {
    const teamAt = (log: AuditEntry[]) =>
      attribute(report, { logs: new Map([["org:acme", log]]), me: "admin", ownRuns: LAST_RUN }).objects.find(
        (o) => o.kind === "Team",
      )!.fields[0]!;
    // In the UI a minute after the apply: no OAuth metadata. Neither the apply's write nor unknown.
    const ui = teamAt([
      entry("org_set_team_description", "admin", "Fri, 27 Nov 2026 19:46:40 -0000", { team: "developers" }),
    ]);
    expect(ui.attribution).toMatchObject({
      actor: "admin",
      automationAccount: true,
      ours: false,
      auth: "session",
    });
    expect(renderDriftText({ ...report, objects: [{ ...report.objects[3]!, fields: [ui] }] })).toContain(
      "by admin (the automation's account, by hand in the UI) at 2026-11-27 19:46:40 UTC (org_set_team_description)",
    );
    // Inside the apply's window too: the apply writes with its token, never without.
    expect(
      teamAt([
        entry("org_set_team_description", "admin", "Fri, 27 Nov 2026 19:45:40 -0000", { team: "developers" }),
      ]).attribution,
    ).toMatchObject({ actor: "admin", auth: "session" });
    // quay-gitops' own token (the application its apply wrote with) outside the apply.
    const token = teamAt([
      entry("org_set_team_description", "admin", "Fri, 27 Nov 2026 21:00:00 -0000", {
        team: "developers",
        ...OUR_TOKEN,
      }),
      ...ACME_LOG,
    ]);
    expect(token.attribution).toMatchObject({
      actor: "admin",
      ours: true,
      auth: "token",
      application: "quay-gitops",
    });
    expect(actorText(token.attribution)).toBe(
      "admin (the automation's account, with quay-gitops' own token outside its runs) at 2026-11-27 21:00:00 UTC (org_set_team_description)",
    );
    // Another token of the same account.
    const other = teamAt([
      entry("org_set_team_description", "admin", "Fri, 27 Nov 2026 21:00:00 -0000", {
        team: "developers",
        oauth_token_id: 7,
        oauth_token_application_id: "OTHERAPP",
        oauth_token_application: "curl by the lab admins",
      }),
      ...ACME_LOG,
    ]);
    expect(other.attribution).toMatchObject({
      ours: false,
      auth: "token",
      application: "curl by the lab admins",
    });
    expect(actorText(other.attribution)).toContain(
      "admin (the automation's account, with a token of the OAuth application curl by the lab admins)",
    );
    // The apply's own write, alone: explains nothing.
    const own = teamAt([
      entry("org_set_team_description", "admin", "Fri, 27 Nov 2026 19:45:36 -0000", {
        team: "developers",
        ...OUR_TOKEN,
      }),
    ]);
    expect(own.attribution).toBeUndefined();
    expect(own.attributionNote).toBe("no matching audit log entry since the last apply");
  });

  it("a run that authenticated with a session owns the entries without a token in its window", () => {
    const sessionRun: OwnRun[] = [{ ...LAST_RUN[0]!, auth: "session" }];
    const at = (metadata: Record<string, unknown>, time: string) =>
      attribute(report, {
        logs: new Map([["org:acme", [entry("org_set_team_description", "admin", time, metadata)]]]),
        me: "admin",
        ownRuns: sessionRun,
      }).objects.find((o) => o.kind === "Team")!.fields[0]!.attribution;
    expect(at({ team: "developers" }, "Fri, 27 Nov 2026 19:45:40 -0000")).toBeUndefined();
    expect(at({ team: "developers" }, "Fri, 27 Nov 2026 19:46:40 -0000")).toMatchObject({ auth: "session" });
    expect(at({ team: "developers", ...OUR_TOKEN }, "Fri, 27 Nov 2026 19:45:40 -0000")).toMatchObject({
      auth: "token",
    });
  });

  it("never attributes a field to another field's entry of the same object", () => {
    // Alice edits the description; the admin (by hand in the UI) removes the developers' grant.
    const grants = [
      { kind: "team", name: "developers", role: "read" },
      { kind: "team", name: "lab-automation", role: "read" },
    ];
    const r = driftFromEvents(STACK, [
      refreshed({
        op: "update",
        kind: "Repository",
        name: "acme/operator",
        tenant: "acme",
        old: { ...repo, permissions: grants },
        new: { ...repo, description: "by alice", permissions: grants.slice(1) },
      }),
    ]);
    const alice = entry("set_repo_description", "acme-alice", "Fri, 27 Nov 2026 19:47:02 -0000", {
      repo: "operator",
      namespace: "acme",
      description: "by alice",
    });
    // Exactly what Quay 3.18.0 logs for a team grant removed in a session: no `namespace`, no token.
    const grantRemoved = entry("delete_repo_permission", "admin", "Fri, 27 Nov 2026 19:47:04 -0000", {
      team: "developers",
      repo: "operator",
    });
    // Another team's grant, removed and given back later: says nothing about developers.
    const otherTeam = entry("delete_repo_permission", "bob", "Fri, 27 Nov 2026 19:47:06 -0000", {
      team: "lab-automation",
      repo: "operator",
    });
    const fieldsOf = (log: AuditEntry[]) =>
      attribute(r, { logs: new Map([["org:acme", log]]), me: "admin", ownRuns: LAST_RUN }).objects[0]!;
    const both = fieldsOf([otherTeam, grantRemoved, alice, ...ACME_LOG.slice(3)]);
    expect(both.fields.map((f) => [f.field, f.attribution?.actor, f.attribution?.action])).toEqual([
      ["description", "acme-alice", "set_repo_description"],
      ["permissions", "admin", "delete_repo_permission"],
    ]);
    expect(both.fields[1]!.attribution).toMatchObject({ automationAccount: true, auth: "session" });
    // The object is attributed to its newest field change.
    expect(both.attribution).toMatchObject({ actor: "admin", action: "delete_repo_permission" });
    // Without the grant's own entry: unknown, never Alice.
    const alone = fieldsOf([otherTeam, alice]);
    expect(alone.fields[1]!.attribution).toBeUndefined();
    expect(alone.fields[1]!.attributionNote).toBe("no matching audit log entry since the last apply");
    expect(renderDriftText(attribute(r, { logs: new Map([["org:acme", [otherTeam, alice]]]) }))).toContain(
      "      permissions: removed team:developers read in Quay\n        by unknown (no matching audit log entry since the last apply)",
    );
  });

  it("finds a deleted organization's deletion by the name in its metadata (Quay renames the namespace)", () => {
    const r = driftFromEvents(STACK, [
      refreshed({ op: "delete", kind: "Organization", name: "acme", tenant: "acme", old: { name: "acme" } }),
    ]);
    expect(logSourcesFor(r)).toEqual([{ org: "acme" }, { superuser: true }]);
    const deleted: AuditEntry = {
      ...entry("org_delete", "oscar", "Fri, 27 Nov 2026 19:47:02 -0000", { namespace: "acme" }),
      // As Quay 3.18.0 shows it once deleted: a random UUID instead of the name.
      namespace: { kind: "org", name: "a05d7db4-6b1f-4931-943c-d4a6d4f56a7e" },
    };
    const a = attribute(r, {
      logs: new Map([["superuser", [deleted]]]),
      unavailable: new Map([["org:acme", "the audit log of organization acme does not exist any more"]]),
    });
    expect(a.objects[0]!.attribution).toMatchObject({ actor: "oscar", action: "org_delete", via: "direct" });
  });

  it("falls back to the object's entries only for kinds no other field claims", () => {
    // A changed mirror robot has no entry of its own; a description edit must not explain it.
    const r = driftFromEvents(STACK, [
      refreshed({
        op: "update",
        kind: "Repository",
        name: "acme/operator",
        tenant: "acme",
        old: { ...repo, mirrorRobot: "acme+mirror" },
        new: { ...repo, description: "x", mirrorRobot: "acme+other" },
      }),
    ]);
    const a = attribute(r, {
      logs: new Map([
        [
          "org:acme",
          [entry("set_repo_description", "oscar", "Fri, 27 Nov 2026 19:47:02 -0000", { repo: "operator" })],
        ],
      ]),
    }).objects[0]!;
    expect(a.fields.find((f) => f.field === "description")!.attribution?.actor).toBe("oscar");
    expect(a.fields.find((f) => f.field === "mirrorRobot")!.attribution).toBeUndefined();
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
        ownRuns: LAST_RUN,
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
