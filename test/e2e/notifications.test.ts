import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/engine/env";
import { type Lab, startLab } from "../helpers/lab";

// Repository notifications and immutability policies through the real engine against the emulator
// (docs/quay-api.md#notifications, #immutability): preview, up, a no-op, drift and its repair, and a
// notification change, which Quay can only make as a delete and a create: a replacement.

type Notification = {
  uuid: string;
  event: string;
  method: string;
  title: string | null;
  config: Record<string, unknown>;
  event_config: Record<string, unknown>;
};
type Notifications = { notifications: Notification[] };
type Policies = { policies: { uuid: string; tagPattern: string; tagPatternMatches: boolean }[] };

const SLACK = "https://hooks.slack.com/services/T000/B000/e2e-first-secret";
const SLACK_ROTATED = "https://hooks.slack.com/services/T000/B000/e2e-rotated-secret";

const TENANT = `apiVersion: quay-gitops/v1
kind: Tenant
metadata:
  name: acme
spec:
  teams:
    - name: developers
  notifications:
    - event: repo_push
      method: slack
      title: Pushes
      config: { urlFrom: { env: ACME_SLACK_WEBHOOK } }
  immutability:
    - tagPattern: "v[0-9]+\\\\.[0-9]+\\\\.[0-9]+"
  repositories:
    - name: operator
      immutability:
        - tagPattern: latest
          tagPatternMatches: false
      notifications:
        - event: vulnerability_found
          method: quay_notification
          eventConfig: { level: High }
          config: { team: developers }
`;

describe("notifications and immutability policies with the real engine", () => {
  let lab: Lab;
  let work: string;
  const listed = async (repo = "operator") =>
    (await lab.api<Notifications>("GET", `/api/v1/repository/acme/${repo}/notification/`)).data.notifications;
  const orgPolicies = async () =>
    (await lab.api<Policies>("GET", "/api/v1/organization/acme/immutabilitypolicy/")).data.policies;
  /** Every file of the stack's state backend, as text: what is stored at rest. */
  const stateText = () => {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.push(fs.readFileSync(p, "utf8"));
      }
    };
    walk(lab.backendDir);
    return out.join("\n");
  };

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "qg-notify-"));
    fs.mkdirSync(path.join(work, "tenants"));
    fs.writeFileSync(path.join(work, "tenants", "acme.yaml"), TENANT);
    const registry = fs
      .readFileSync(path.join(projectRoot, "stacks", "local.registry.yaml"), "utf8")
      .replace(
        /\n {4}extendedRepositoryNames: true\n/,
        "\n    extendedRepositoryNames: true\n    immutableTags: true\n",
      );
    expect(registry).toContain("immutableTags: true");
    fs.writeFileSync(path.join(work, "registry.yaml"), registry);
    lab = await startLab({
      tenants: path.join(work, "tenants"),
      emulatorConfig: { FEATURE_IMMUTABLE_TAGS: true },
      env: { QUAY_GITOPS_REGISTRY_FILE: path.join(work, "registry.yaml"), ACME_SLACK_WEBHOOK: SLACK },
    });
  });
  afterAll(async () => {
    await lab?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("previews the notifications and policies without a write, and without the secret URL", async () => {
    await lab.resetStats();
    const preview = await lab.stack.preview({ diff: true });
    expect(await lab.writes()).toBe(0);
    expect(preview.stdout).toContain("acme/operator/notification/repo_push/slack/Pushes");
    expect(preview.stdout).toContain("acme/operator/notification/vulnerability_found/quay_notification");
    expect(preview.stdout).toContain("acme/immutable/v[0-9]+\\.[0-9]+\\.[0-9]+");
    expect(preview.stdout).toContain("acme/operator/immutable/latest");
    expect(preview.stdout).not.toContain("e2e-first-secret");
  });

  it("up creates them as Quay shows them; the URL reaches Quay but is stored only encrypted", async () => {
    const up = await lab.stack.up();
    expect(up.summary.result).toBe("succeeded");
    const byEvent = Object.fromEntries((await listed()).map((n) => [n.event, n]));
    expect(byEvent.repo_push).toMatchObject({ method: "slack", title: "Pushes", config: { url: SLACK } });
    expect(byEvent.vulnerability_found).toMatchObject({
      method: "quay_notification",
      config: { target: { kind: "team", name: "developers" } },
      event_config: { level: 1 },
    });
    expect(await orgPolicies()).toEqual([
      { uuid: expect.any(String), tagPattern: "v[0-9]+\\.[0-9]+\\.[0-9]+", tagPatternMatches: true },
    ]);
    const repoPolicies = await lab.api<Policies>(
      "GET",
      "/api/v1/repository/acme/operator/immutabilitypolicy/",
    );
    expect(repoPolicies.data.policies).toMatchObject([{ tagPattern: "latest", tagPatternMatches: false }]);
    expect(up.stdout).not.toContain("e2e-first-secret");
    expect(stateText()).not.toContain("e2e-first-secret");
  });

  it("a second up changes nothing and sends no write", async () => {
    await lab.resetStats();
    const up = await lab.stack.up({ refresh: true });
    expect(Object.keys(up.summary.resourceChanges ?? {})).toEqual(["same"]);
    expect(await lab.writes()).toBe(0);
  });

  it("sees a notification deleted and a policy changed by hand, and repairs both", async () => {
    const push = (await listed()).find((n) => n.event === "repo_push")!;
    expect(
      (await lab.api("DELETE", `/api/v1/repository/acme/operator/notification/${push.uuid}`)).status,
    ).toBe(204);
    const policy = (await orgPolicies())[0]!;
    expect(
      (
        await lab.api("PUT", `/api/v1/organization/acme/immutabilitypolicy/${policy.uuid}`, {
          tagPattern: policy.tagPattern,
          tagPatternMatches: false,
        })
      ).status,
    ).toBe(204);
    let output = "";
    try {
      await lab.stack.preview({ refresh: true, expectNoChanges: true, diff: true });
      expect.unreachable("preview --refresh --expect-no-changes must fail on drift");
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(output).toContain("tagPatternMatches");
    expect(output).toContain("acme/operator/notification/repo_push/slack/Pushes");
    const up = await lab.stack.up({ refresh: true });
    expect(up.summary.result).toBe("succeeded");
    expect((await listed()).filter((n) => n.event === "repo_push")).toMatchObject([
      { config: { url: SLACK } },
    ]);
    expect((await orgPolicies())[0]).toEqual({ ...policy, tagPatternMatches: true });
    await lab.stack.preview({ refresh: true, expectNoChanges: true });
  });

  it("a changed notification is replaced, as the preview says: a new one in Quay, the old one gone", async () => {
    const before = (await listed()).find((n) => n.event === "vulnerability_found")!;
    lab.editTenant("acme", (t) =>
      t.replace("eventConfig: { level: High }", "eventConfig: { level: Critical }"),
    );
    const preview = await lab.stack.preview({ diff: true });
    expect(preview.changeSummary.replace).toBe(1);
    expect(preview.stdout).toMatch(
      /\+-pulumi-nodejs:dynamic\/quay:RepositoryNotification: \(replace\)\n.*\n.*notification\/vulnerability_found\//,
    );
    expect(preview.stdout).toMatch(/~ level: 1 => 0/);
    const up = await lab.stack.up();
    expect(up.summary.resourceChanges?.replace).toBe(1);
    const after = (await listed()).filter((n) => n.event === "vulnerability_found");
    expect(after).toHaveLength(1);
    expect(after[0]!.uuid).not.toBe(before.uuid);
    expect(after[0]!.event_config).toEqual({ level: 0 });
  });

  it("a rotated Slack URL reaches Quay by replacing its notification, its value never shown", async () => {
    (lab.stack.workspace as LocalWorkspace).envVars.ACME_SLACK_WEBHOOK = SLACK_ROTATED;
    const preview = await lab.stack.preview({ diff: true });
    expect(preview.changeSummary.replace).toBe(1);
    expect(preview.stdout).not.toContain("e2e-rotated-secret");
    await lab.stack.up();
    expect((await listed()).filter((n) => n.event === "repo_push")).toMatchObject([
      { config: { url: SLACK_ROTATED } },
    ]);
    expect(stateText()).not.toContain("e2e-rotated-secret");
  });

  it("removing them from the file deletes the notifications and the policies", async () => {
    fs.writeFileSync(
      path.join(lab.tenantsDir, "acme.yaml"),
      TENANT.replace(/ {2}notifications:\n(?: {4}.*\n)+/, "")
        .replace(/ {2}immutability:\n(?: {4}.*\n)+/, "")
        .replace(/ {6}immutability:\n(?: {8}.*\n)+/, "")
        .replace(/ {6}notifications:\n(?: {8}.*\n)+/, ""),
    );
    const up = await lab.stack.up();
    expect(up.summary.resourceChanges?.delete).toBe(4);
    expect(await listed()).toEqual([]);
    expect(await orgPolicies()).toEqual([]);
  });
});
