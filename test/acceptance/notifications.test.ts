import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECORDED_TOLERANCE_MS } from "../../src/plan/runs";
import {
  createLab,
  type DriftJson,
  orgEntriesSince,
  type QuayLab,
  quayNow,
  registryText,
  removeRun,
  sleep,
} from "./lab";
import {
  type Api,
  acceptanceRun,
  type CredentialSet,
  createServiceAccount,
  describeEachSignIn,
  SKIP_NO_QUAY,
  sessionApi,
  tokenApi,
} from "./quay";

// Repository notifications and immutability policies (docs/quay-api.md#notifications, #immutability)
// with the real CLI and the real Pulumi engine against the real Quay named by QUAY_URL, which must run
// with FEATURE_IMMUTABLE_TAGS (docs/acceptance.md): preview, apply, a no-op apply without a write in
// Quay's audit log, drift made by hand (a tenant user and the automation's own account in the UI) with
// who did it, its repair, a notification change as a replacement, and removal. Once for every way
// quay-gitops can sign in that the environment holds; everything under one run prefix, removed after.
const { quay, prefix, sets } = acceptanceRun();

const SLACK = `https://hooks.slack.com/services/T000/B000/${prefix}-first-secret`;

type Notification = {
  uuid: string;
  event: string;
  method: string;
  title: string | null;
  config: Record<string, unknown>;
  event_config: Record<string, unknown>;
  number_of_failures: number;
};
type Policy = { uuid: string; tagPattern: string; tagPatternMatches: boolean };
type PreviewJson = {
  counts: Record<"create" | "update" | "replace" | "delete" | "same", number>;
  changes: { kind: string; name: string; op: string }[];
  warnings: { code: string; names: string[] }[];
};

/** A tenant with every notification method quay-gitops sends without mail, and both policy scopes. */
function tenantFile(t: string): string {
  return `apiVersion: quay-gitops/v1
kind: Tenant
metadata:
  name: ${t}
spec:
  users:
    - name: ${t}-alice
      email: alice@${t}.example
  teams:
    - name: developers
      members:
        - user: ${t}-alice
  notifications:
    - event: repo_push
      method: slack
      title: Pushes
      config: { urlFrom: { env: ACC_SLACK_WEBHOOK } }
  immutability:
    - tagPattern: "v[0-9]+\\\\.[0-9]+\\\\.[0-9]+"
  repositories:
    - name: operator
      permissions:
        - user: ${t}-alice
          role: admin
      immutability:
        - tagPattern: latest
          tagPatternMatches: false
      notifications:
        - event: vulnerability_found
          method: quay_notification
          eventConfig: { level: High }
          config: { team: developers }
        - event: repo_image_expiry
          method: webhook
          title: Expiring
          eventConfig: { days: 7 }
          config: { url: "https://hooks.${t}.example/expiry" }
    - name: bundle
`;
}

/** The lab's registry file with FEATURE_IMMUTABLE_TAGS on (the real Quay's config.yaml has it). */
function registryFile(serviceAccount: string): string {
  const text = registryText(serviceAccount).replace(
    /\n {4}extendedRepositoryNames: true\n/,
    "\n    extendedRepositoryNames: true\n    immutableTags: true\n",
  );
  if (!text.includes("immutableTags: true")) throw new Error("stacks/local.registry.yaml changed: adapt");
  return text;
}

describe(
  quay
    ? `notifications and immutability policies on the real Quay at ${quay.url} (run prefix ${prefix})`
    : `notifications and immutability policies on the real Quay: ${SKIP_NO_QUAY}`,
  () => {
    let admin: Api;
    const serviceAccount = `${prefix}bot`;

    beforeAll(async () => {
      if (!quay) return;
      admin = tokenApi(quay.url, quay.token);
      await createServiceAccount(admin, serviceAccount);
      // The kinds need FEATURE_IMMUTABLE_TAGS: its routes are in Quay's discovery only when it is on.
      const discovery = await admin<{ paths: Record<string, unknown> }>("GET", "/api/v1/discovery");
      expect(
        Object.keys(discovery.data.paths).some((p) => p.includes("immutabilitypolicy")),
        "the real Quay runs without FEATURE_IMMUTABLE_TAGS",
      ).toBe(true);
    });

    afterAll(async () => {
      if (!quay) return;
      expect(await removeRun(admin, prefix)).toEqual([]);
    });

    describeEachSignIn(sets, (cred) => scenarios(cred, () => admin, serviceAccount));
  },
);

function scenarios(cred: CredentialSet, adminApi: () => Api, serviceAccount: string): void {
  const admin: Api = (method, p, body) => adminApi()(method, p, body);
  const t = `${prefix}n${cred.name[0]}`;
  const me = () => quay!.username ?? "admin";
  let lab: QuayLab;
  let applied: Date;
  const listed = async (repo: string) => {
    const r = await admin<{ notifications: Notification[] }>(
      "GET",
      `/api/v1/repository/${t}/${repo}/notification/`,
    );
    expect(r.status).toBe(200);
    return r.data.notifications;
  };
  const policies = async (scope: string) => {
    const r = await admin<{ policies: Policy[] }>("GET", `/api/v1/${scope}/immutabilitypolicy/`);
    expect(r.status).toBe(200);
    return r.data.policies;
  };
  const orgScope = () => `organization/${t}`;
  const repoScope = () => `repository/${t}/operator`;
  /** Every file of the state backend, as text: what is stored at rest. */
  const stateText = () => {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.push(fs.readFileSync(p, "utf8"));
      }
    };
    walk(lab.backend);
    return out.join("\n");
  };
  const names = () => ({
    slackOperator: `${t}/operator/notification/repo_push/slack/Pushes`,
    slackBundle: `${t}/bundle/notification/repo_push/slack/Pushes`,
    vuln: `${t}/operator/notification/vulnerability_found/quay_notification`,
    expiry: `${t}/operator/notification/repo_image_expiry/webhook/Expiring`,
    orgPolicy: `${t}/immutable/v[0-9]+\\.[0-9]+\\.[0-9]+`,
    repoPolicy: `${t}/operator/immutable/latest`,
  });

  beforeAll(() => {
    lab = createLab(quay!, cred, t, serviceAccount, {
      tenant: tenantFile(t),
      registry: registryFile(serviceAccount),
      env: { ACC_SLACK_WEBHOOK: SLACK },
    });
  });
  afterAll(async () => {
    await lab?.dispose();
  });

  it("preview lists the notifications and policies, writes nothing and never shows the Slack URL", async () => {
    const json = path.join(lab.backend, "preview.json");
    const r = await lab.cli("preview", "--all", "--json", json);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const n = names();
    const report = JSON.parse(fs.readFileSync(json, "utf8")) as PreviewJson;
    const creates = report.changes.filter((c) => c.op === "create").map((c) => `${c.kind} ${c.name}`);
    for (const name of [n.slackOperator, n.slackBundle, n.vuln, n.expiry])
      expect(creates).toContain(`RepositoryNotification ${name}`);
    for (const name of [n.orgPolicy, n.repoPolicy]) expect(creates).toContain(`ImmutabilityPolicy ${name}`);
    expect(report.warnings.map((w) => w.code)).toContain("TAGS_BECOME_IMMUTABLE");
    expect(`${r.stdout}${r.stderr}${fs.readFileSync(json, "utf8")}`).not.toContain(`${prefix}-first-secret`);
    // Nothing in Quay: the organization does not exist.
    expect((await admin("GET", `/api/v1/organization/${t}`)).status).toBe(404);
  });

  it("apply creates them as Quay shows them; the Slack URL reaches Quay, and the state only encrypted", async () => {
    const r = await lab.cli("apply");
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/\d+ created, 0 updated, 0 replaced, 0 deleted, 0 unchanged/);
    const operator = Object.fromEntries((await listed("operator")).map((x) => [x.event, x]));
    expect(Object.keys(operator).sort()).toEqual(["repo_image_expiry", "repo_push", "vulnerability_found"]);
    expect(operator.repo_push).toMatchObject({
      method: "slack",
      title: "Pushes",
      config: { url: SLACK },
      event_config: {},
    });
    expect(operator.vulnerability_found).toMatchObject({
      method: "quay_notification",
      title: null,
      config: { target: { kind: "team", name: "developers" } },
      event_config: { level: 1 },
    });
    expect(operator.repo_image_expiry).toMatchObject({
      method: "webhook",
      title: "Expiring",
      config: { url: `https://hooks.${t}.example/expiry` },
      event_config: { days: 7 },
    });
    expect(await listed("bundle")).toMatchObject([
      { event: "repo_push", method: "slack", config: { url: SLACK } },
    ]);
    expect(await policies(orgScope())).toEqual([
      { uuid: expect.any(String), tagPattern: "v[0-9]+\\.[0-9]+\\.[0-9]+", tagPatternMatches: true },
    ]);
    expect(await policies(repoScope())).toEqual([
      { uuid: expect.any(String), tagPattern: "latest", tagPatternMatches: false },
    ]);
    expect(`${r.stdout}${r.stderr}`).not.toContain(`${prefix}-first-secret`);
    expect(stateText()).not.toContain(`${prefix}-first-secret`);
    applied = new Date();
  });

  it("apply --all changes nothing and writes nothing (Quay's audit log)", async () => {
    const t0 = await quayNow(quay!.url);
    const all = await lab.cli("apply", "--all");
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/: 0 to create, 0 to update, 0 to replace, 0 to delete, \d+ unchanged\n/);
    expect(all.stdout).toContain("nothing was written");
    expect(await orgEntriesSince(admin, t, t0)).toEqual([]);
    applied = new Date();
  });

  it("drift names who deleted a notification and changed a policy (its pattern, too): a tenant user, and the automation's account in the UI", async () => {
    await sleep(Math.max(0, applied.getTime() + RECORDED_TOLERANCE_MS + 2_000 - Date.now()));
    const alicePassword = `pw-${prefix}-Alice1`;
    expect(
      (await admin("PUT", `/api/v1/superuser/users/${t}-alice`, { password: alicePassword })).status,
    ).toBe(200);
    const alice = await sessionApi(quay!.url, `${t}-alice`, alicePassword);
    const slack = (await listed("operator")).find((x) => x.event === "repo_push")!;
    expect(
      (await alice("DELETE", `/api/v1/repository/${t}/operator/notification/${slack.uuid}`)).status,
    ).toBe(204);
    const repoPolicy = (await policies(repoScope()))[0]!;
    expect(
      (
        await alice("PUT", `/api/v1/${repoScope()}/immutabilitypolicy/${repoPolicy.uuid}`, {
          tagPattern: "stable",
          tagPatternMatches: false,
        })
      ).status,
    ).toBe(204);
    const ui = await sessionApi(quay!.url, me(), quay!.password ?? "");
    const orgPolicy = (await policies(orgScope()))[0]!;
    expect(
      (
        await ui("PUT", `/api/v1/${orgScope()}/immutabilitypolicy/${orgPolicy.uuid}`, {
          tagPattern: orgPolicy.tagPattern,
          tagPatternMatches: false,
        })
      ).status,
    ).toBe(204);
    const bundleSlack = (await listed("bundle"))[0]!;
    expect(
      (await ui("DELETE", `/api/v1/repository/${t}/bundle/notification/${bundleSlack.uuid}`)).status,
    ).toBe(204);

    const json = path.join(lab.backend, "drift.json");
    const r = await lab.cli("drift", "--json", json);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
    const report = JSON.parse(fs.readFileSync(json, "utf8")) as DriftJson;
    const n = names();
    expect(report.objects.map((o) => `${o.kind} ${o.name} ${o.status}`).sort()).toEqual(
      [
        `ImmutabilityPolicy ${n.orgPolicy} changed`,
        `ImmutabilityPolicy ${n.repoPolicy} changed`,
        `RepositoryNotification ${n.slackBundle} deleted`,
        `RepositoryNotification ${n.slackOperator} deleted`,
      ].sort(),
    );
    const object = (name: string) => report.objects.find((o) => o.name === name)!;
    const field = (name: string, f: string) => object(name).fields.find((x) => x.field === f)!;
    expect(object(n.slackOperator).attribution).toMatchObject({
      actor: `${t}-alice`,
      automationAccount: false,
      auth: "session",
      action: "delete_repo_notification",
    });
    expect(object(n.slackBundle).attribution).toMatchObject({
      actor: me(),
      automationAccount: true,
      ours: false,
      auth: "session",
      action: "delete_repo_notification",
    });
    // Quay logs the update with the new pattern only (no uuid): found by what Quay holds now.
    expect(field(n.repoPolicy, "tagPattern")).toMatchObject({
      desired: "latest",
      live: "stable",
      attribution: {
        actor: `${t}-alice`,
        automationAccount: false,
        auth: "session",
        action: "update_immutability_policy",
      },
    });
    expect(field(n.orgPolicy, "tagPatternMatches")).toMatchObject({
      desired: true,
      live: false,
      attribution: {
        actor: me(),
        automationAccount: true,
        ours: false,
        auth: "session",
        action: "update_immutability_policy",
      },
    });
    expect(r.stdout).not.toContain("by unknown");
    expect(r.stdout).not.toContain(`${prefix}-first-secret`);
  });

  it("drift --remediate repairs it (the notifications made anew, the policies set back); the next drift is clean", async () => {
    const r = await lab.cli("drift", "--remediate");
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
    expect(r.stdout).toMatch(/ 2 created, 2 updated, 0 replaced, 0 deleted, \d+ unchanged in /);
    expect((await listed("operator")).filter((x) => x.event === "repo_push")).toMatchObject([
      { config: { url: SLACK }, title: "Pushes" },
    ]);
    expect(await listed("bundle")).toMatchObject([{ event: "repo_push", config: { url: SLACK } }]);
    expect((await policies(orgScope()))[0]).toMatchObject({ tagPatternMatches: true });
    expect((await policies(repoScope()))[0]).toMatchObject({
      tagPattern: "latest",
      tagPatternMatches: false,
    });
    const after = await lab.cli("drift");
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).toMatch(/^No drift: all \d+ Quay objects match the last apply\./);
  });

  it("a changed notification is a replacement, as the preview says: a new one in Quay, the old one gone", async () => {
    const before = (await listed("operator")).find((x) => x.event === "vulnerability_found")!;
    const file = `tenants/${t}.yaml`;
    lab.repo.write(
      file,
      tenantFile(t).replace("eventConfig: { level: High }", "eventConfig: { level: Critical }"),
    );
    lab.repo.commit("Only critical vulnerabilities");
    const json = path.join(lab.backend, "preview-change.json");
    const preview = await lab.cli("preview", "--json", json);
    expect(preview.code, `${preview.stdout}\n${preview.stderr}`).toBe(0);
    const report = JSON.parse(fs.readFileSync(json, "utf8")) as PreviewJson;
    expect(report.changes.map((c) => `${c.op} ${c.kind} ${c.name}`)).toEqual([
      `replace RepositoryNotification ${names().vuln}`,
    ]);
    expect(report.warnings.map((w) => w.code)).toEqual(["NOTIFICATION_REPLACED"]);
    const r = await lab.cli("apply");
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/ 0 created, 0 updated, 1 replaced, 0 deleted, \d+ unchanged/);
    const after = (await listed("operator")).filter((x) => x.event === "vulnerability_found");
    expect(after).toHaveLength(1);
    expect(after[0]!.uuid).not.toBe(before.uuid);
    expect(after[0]!.event_config).toEqual({ level: 0 });
  });

  it("removing them from the file deletes the notifications and the policies", async () => {
    const file = `tenants/${t}.yaml`;
    lab.repo.write(
      file,
      tenantFile(t)
        .replace(/ {2}notifications:\n(?: {4}.*\n)+/, "")
        .replace(/ {2}immutability:\n(?: {4}.*\n)+/, "")
        .replace(/ {6}immutability:\n(?: {8}.*\n)+/, "")
        .replace(/ {6}notifications:\n(?: {8}.*\n)+/, ""),
    );
    lab.repo.commit("No notifications, no immutability");
    // Removals count against the change budget (a replacement does not): a third of this small tenant.
    const refused = await lab.cli("apply");
    expect(refused.code, `${refused.stdout}\n${refused.stderr}`).toBe(1);
    expect(`${refused.stdout}${refused.stderr}`).toMatch(
      new RegExp(`tenant ${t}: 6 of its \\d+ objects changed \\(.*\\) exceeds maxTenantChangePercent 30%`),
    );
    expect(await listed("operator")).toHaveLength(3);
    const r = await lab.cli("apply", "--force");
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/ 0 created, 0 updated, 0 replaced, 6 deleted, \d+ unchanged/);
    expect(await listed("operator")).toEqual([]);
    expect(await listed("bundle")).toEqual([]);
    expect(await policies(orgScope())).toEqual([]);
    expect(await policies(repoScope())).toEqual([]);
    const again = await lab.cli("drift");
    expect(again.code, again.stdout).toBe(0);
  });
}
