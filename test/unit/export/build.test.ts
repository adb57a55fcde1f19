import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { permissionsOf } from "../../../providers/repository";
import { sameNotification } from "../../../providers/notification";
import { membersOf } from "../../../providers/team";
import { sortFederation } from "../../../src/kinds/robot-federation";
import { type ExportResult, exportLab, type LiveLab, type LiveOrganization } from "../../../src/export";
import { stackConfigText } from "../../../src/export/stack";
import { effectivePermissions } from "../../../src/program/desired";
import { loadDesiredStateFromFiles } from "../../../src/tenant";

const NOW = new Date("2026-12-01T10:00:00Z");

function acme(): LiveOrganization {
  return {
    name: "acme",
    email: "registry@acme.example",
    tagExpirationSeconds: 14 * 86400,
    quota: {
      limitBytes: 500 * 1024 ** 3,
      limits: [
        { type: "Warning", percent: 80 },
        { type: "Reject", percent: 100 },
      ],
    },
    robots: [
      {
        name: "acme+ci",
        description: "CI pipelines push here",
        federation: [
          {
            issuer: "https://token.actions.githubusercontent.com",
            subject: "repo:acme/operator:ref:refs/heads/main",
          },
          { issuer: "https://gitlab.com", subject: "project_path:acme/operator:ref_type:branch:ref:main" },
        ],
      },
      { name: "acme+mirror", description: "", federation: [] },
    ],
    teams: [
      {
        name: "owners",
        role: "admin",
        description: "",
        synced: false,
        members: [{ kind: "user", name: "admin" }],
        emailInvites: 0,
      },
      {
        name: "developers",
        role: "member",
        description: "Acme engineers: build: and #ship",
        synced: false,
        members: [
          { kind: "user", name: "acme-alice" },
          { kind: "robot", name: "acme+ci" },
          { kind: "user", name: "bob" },
          { kind: "user", name: "shared-carol" },
        ],
        emailInvites: 0,
      },
    ],
    defaultPermissions: [
      { delegate: { kind: "team", name: "developers" }, role: "write" },
      { delegate: { kind: "robot", name: "acme+ci" }, role: "write", activatingUser: "acme-alice" },
    ],
    repositories: [
      {
        name: "operator",
        isPublic: false,
        description: "Acme operator images",
        state: "NORMAL",
        kind: "image",
        grants: [
          { kind: "user", name: "admin", role: "admin" },
          { kind: "team", name: "developers", role: "write" },
          { kind: "robot", name: "acme+ci", role: "write" },
          { kind: "user", name: "globex-hank", role: "read", orgMember: false },
          { kind: "user", name: "0d6f5b38-1b9c-4c1e-9a43-2f0b3d1e9a11", role: "read", orgMember: false },
        ],
        autoPrune: [{ method: "number_of_tags", value: 20, tagPattern: null, tagPatternMatches: true }],
        notifications: [
          {
            title: "Deploy on push",
            event: "repo_push",
            method: "webhook",
            config: { url: "https://ci.acme.example/hooks/quay?token=s3cr3t-hook" },
            eventConfig: {},
          },
          {
            title: "Ops channel",
            event: "vulnerability_found",
            method: "slack",
            config: { url: "https://hooks.slack.com/services/T000/B000/s3cr3t-slack" },
            eventConfig: { level: "1" },
          },
          {
            title: null,
            event: "repo_push",
            method: "webhook",
            config: {
              url: "https://audit.acme.example/quay",
              // biome-ignore lint/suspicious/noTemplateCurlyInString: Quay's own placeholder syntax
              template: '{"repo": "${repository}"}',
            },
            eventConfig: {},
          },
          {
            title: "Expiring",
            event: "repo_image_expiry",
            method: "quay_notification",
            config: { target: { kind: "team", name: "developers", is_robot: false, avatar: {} } },
            eventConfig: { days: 7 },
          },
          {
            title: "Everyone",
            event: "repo_push",
            method: "quay_notification",
            config: { target: { kind: "org", name: "acme" } },
            eventConfig: {},
          },
          {
            title: "Build",
            event: "build_success",
            method: "email",
            config: { email: "ops@acme.example" },
            eventConfig: {},
          },
        ],
        immutability: [
          { tagPattern: "latest|dev-.*", tagPatternMatches: false },
          { tagPattern: "v[0-9]+", tagPatternMatches: true },
        ],
      },
      {
        name: "tools/ubi9",
        isPublic: true,
        description: null,
        state: "MIRROR",
        kind: "image",
        grants: [
          { kind: "user", name: "admin", role: "admin" },
          { kind: "team", name: "developers", role: "write" },
          { kind: "robot", name: "acme+mirror", role: "write" },
        ],
        autoPrune: [],
        mirror: {
          externalReference: "registry.access.redhat.com/ubi9/ubi",
          ruleKind: "tag_glob_csv",
          tags: ["latest", "9.*"],
          syncIntervalSeconds: 86400,
          robot: "acme+mirror",
          username: "acme-pull",
          verifyTls: true,
          unsignedImages: false,
          proxy: { http: null, https: "http://proxy.lab.example:3128", noProxy: ".lab.example" },
          isEnabled: true,
          skopeoTimeoutSeconds: 600,
          architectureFilter: ["arm64", "amd64"],
        },
      },
    ],
    autoPrune: [
      { method: "creation_date", value: "90d", tagPattern: "^pr-", tagPatternMatches: true },
      { method: "creation_date", value: "30d", tagPattern: "^pr-", tagPatternMatches: true },
    ],
    immutability: [{ tagPattern: "release-.*", tagPatternMatches: true }],
    unread: [],
  };
}

function globex(): LiveOrganization {
  return {
    name: "globex",
    email: "",
    tagExpirationSeconds: 3 * 86400,
    robots: [{ name: "globex+deploy", description: "Deploys" }],
    teams: [
      {
        name: "owners",
        role: "admin",
        description: "",
        synced: false,
        members: [
          { kind: "user", name: "admin" },
          { kind: "user", name: "globex-hank" },
        ],
        emailInvites: 0,
      },
      {
        name: "ops",
        role: "creator",
        description: "",
        synced: false,
        members: [
          { kind: "user", name: "shared-carol" },
          { kind: "robot", name: "acme+ci" },
        ],
        emailInvites: 2,
      },
      {
        name: "sre",
        role: "member",
        description: "",
        synced: true,
        sync: { directory: "ldap" },
        members: [{ kind: "user", name: "globex-hank" }],
        emailInvites: 0,
      },
    ],
    defaultPermissions: [],
    repositories: [
      {
        name: "web",
        isPublic: false,
        description: "Storefront",
        state: "READ_ONLY",
        kind: "image",
        grants: [{ kind: "team", name: "ops", role: "read" }],
        autoPrune: [{ method: "creation_date", value: "2w", tagPattern: "^dev-", tagPatternMatches: false }],
        immutability: [{ tagPattern: "v.*", tagPatternMatches: true }],
      },
    ],
    autoPrune: [],
    proxyCache: { upstream: "quay.io/globex", expirationSeconds: 172800, insecure: false },
    unread: [],
  };
}

function lab(): LiveLab {
  return {
    url: "https://quay.lab.example",
    account: "admin",
    superUser: true,
    registry: {
      tagExpirationOptions: ["0s", "1d", "1w", "2w", "4w"],
      features: {
        repoMirror: true,
        proxyCache: true,
        autoPrune: true,
        quotaManagement: true,
        sparseIndex: true,
        immutableTags: true,
        teamSyncing: false,
      },
      featureSource: "config",
      authenticationType: "Database",
      serverHostname: "quay.lab.example",
    },
    users: [
      { name: "admin", email: "admin@lab.example", enabled: true, superUser: true },
      { name: "acme-alice", email: "alice@acme.example", enabled: true, superUser: false },
      { name: "bob", email: "bob@acme.example", enabled: false, superUser: false },
      { name: "shared-carol", email: "carol@lab.example", enabled: true, superUser: false },
      { name: "globex-hank", email: "hank@globex.example", enabled: true, superUser: false },
      { name: "loner", email: "loner@lab.example", enabled: true, superUser: false },
    ],
    organizations: [acme(), globex()],
    otherMemberships: new Map(),
  };
}

function load(result: ExportResult) {
  const files: Record<string, string> = { "stacks/lab.registry.yaml": result.registry };
  for (const t of result.tenants) files[`tenants/${t.file}`] = t.text;
  return loadDesiredStateFromFiles({ files, registryFile: "stacks/lab.registry.yaml", now: NOW });
}

const exportIt = (l: LiveLab = lab()) =>
  exportLab(l, { stack: "lab", now: NOW, registryFile: "stacks/lab.registry.yaml" });

describe("export: live organizations → tenant files", () => {
  it("writes files that validate against the registry skeleton it writes", () => {
    const r = exportIt();
    const loaded = load(r);
    expect(loaded.diagnostics.filter((d) => d.severity !== "notice")).toEqual([]);
    expect(loaded.state?.tenants.map((t) => t.name)).toEqual(["acme", "globex"]);
  });

  it("formats like the samples", () => {
    const text = exportIt().tenants.find((t) => t.tenant === "acme")!.text;
    expect(text).toContain("# yaml-language-server: $schema=../schemas/tenant.schema.json\n");
    expect(text).toContain(
      [
        "spec:",
        "  organization:",
        "    name: acme",
        "    email: registry@acme.example",
        "    tagExpiration: 2w",
      ].join("\n"),
    );
    expect(text).toContain(
      ["  quota:", "    limit: 500 GiB", "    warningAt: 80%", "    rejectAt: 100%"].join("\n"),
    );
    expect(text).toContain('        tags: ["9.*", latest]\n');
    expect(text).toContain("          passwordFrom: { env: ACME_TOOLS_UBI9_MIRROR_PASSWORD }\n");
    expect(text).toContain(
      "        proxy: { https: http://proxy.lab.example:3128, noProxy: .lab.example }\n",
    );
    expect(text).toContain('      description: "Acme engineers: build: and #ship"\n');
    expect(text).toContain("        architectureFilter: [amd64, arm64]\n");
    // Read back, every value is what was written.
    const doc = parseYaml(text) as { spec: { teams: { description?: string }[] } };
    expect(doc.spec.teams.map((t) => t.description)).toEqual(["Acme engineers: build: and #ship"]);
  });

  it("gives a user to the one organization it is a member of; the others go to users.existing", () => {
    const r = exportIt();
    const state = load(r).state!;
    const acmeT = state.tenants.find((t) => t.name === "acme")!;
    const globexT = state.tenants.find((t) => t.name === "globex")!;
    expect(acmeT.users.map((u) => u.name)).toEqual(["acme-alice", "bob"]);
    expect(globexT.users.map((u) => u.name)).toEqual(["globex-hank"]);
    expect(r.existingUsers).toEqual([
      { name: "admin", reason: "the account quay-gitops reads and applies as" },
      { name: "loner", reason: "a member of no organization" },
      { name: "shared-carol", reason: "a member of acme, globex" },
    ]);
    // bob does not match acme-*: the skeleton names him for tenant acme.
    expect(r.registry).toContain('acme: { users: ["{tenant}-*", bob] }');
    expect(r.registry).toContain("      - shared-carol  # a member of acme, globex\n");
  });

  it("declares what the providers read back, so the first apply has nothing to change", () => {
    const l = lab();
    const state = load(exportIt(l)).state!;
    for (const org of l.organizations) {
      const t = state.tenants.find((x) => x.name === org.name)!;
      for (const repo of t.repositories) {
        const live = org.repositories.find((r) => r.name === repo.name)!;
        const users = Object.fromEntries(
          live.grants
            .filter((g) => g.kind !== "team")
            .map((g) => [
              g.name,
              { name: g.name, role: g.role, is_robot: g.kind === "robot", is_org_member: g.orgMember },
            ]),
        );
        const teams = Object.fromEntries(
          live.grants.filter((g) => g.kind === "team").map((g) => [g.name, { name: g.name, role: g.role }]),
        );
        const desired = effectivePermissions(repo, t.defaultPermissions);
        const read = permissionsOf(users, teams, {
          me: l.account,
          mirrorRobot: repo.mirror?.robot,
          declared: desired,
        });
        expect(read, `${org.name}/${repo.name}`).toEqual(desired);
      }
      for (const team of t.teams) {
        const live = org.teams.find((x) => x.name === team.name)!;
        const view = live.members.map((m) => ({
          name: m.name,
          kind: "user" as const,
          is_robot: m.kind === "robot",
          invited: false,
        }));
        const read = membersOf(view, team.name, l.account, team.members).filter(
          (m) => m.kind === "user" || m.name.startsWith(`${org.name}+`),
        );
        expect(read, `${org.name} team ${team.name}`).toEqual(team.members);
        expect(team.role).toBe(live.role);
      }
      expect(t.organization.tagExpirationSeconds).toBe(
        org.name === "acme" ? org.tagExpirationSeconds : undefined,
      );
    }
    const acmeT = state.tenants.find((t) => t.name === "acme")!;
    expect(acmeT.quota).toEqual({
      limitBytes: 500 * 1024 ** 3,
      limits: [
        { type: "Reject", thresholdPercent: 100 },
        { type: "Warning", thresholdPercent: 80 },
      ],
    });
    expect(acmeT.repositories.find((r) => r.name === "tools/ubi9")?.mirror).toEqual({
      externalReference: "registry.access.redhat.com/ubi9/ubi",
      tags: ["9.*", "latest"],
      syncIntervalSeconds: 86400,
      robot: "acme+mirror",
      credentials: { username: "acme-pull", passwordFrom: { env: "ACME_TOOLS_UBI9_MIRROR_PASSWORD" } },
      verifyTls: true,
      unsignedImages: false,
      proxy: { https: "http://proxy.lab.example:3128", noProxy: ".lab.example" },
      enabled: true,
      skopeoTimeoutSeconds: 600,
      architectureFilter: ["amd64", "arm64"],
    });
    // Notifications, immutability policies and federation as the providers compare them.
    const operator = acmeT.repositories.find((r) => r.name === "operator")!;
    const liveOperator = l.organizations[0]!.repositories.find((r) => r.name === "operator")!;
    const urls: Record<string, string> = {
      ACME_OPERATOR_WEBHOOK_URL: "https://ci.acme.example/hooks/quay?token=s3cr3t-hook",
      ACME_OPERATOR_SLACK_URL: "https://hooks.slack.com/services/T000/B000/s3cr3t-slack",
    };
    expect(operator.notifications).toHaveLength(4);
    for (const n of operator.notifications) {
      const env = n.urlFrom && "env" in n.urlFrom ? n.urlFrom.env : undefined;
      const inputs = {
        namespace: "acme",
        repository: "operator",
        event: n.event,
        method: n.method,
        config: { ...n.config },
        eventConfig: { ...n.eventConfig },
        ...(n.title !== undefined ? { title: n.title } : {}),
        ...(env ? { url: urls[env]! } : {}),
      };
      const views = liveOperator.notifications!.map((v, i) => ({
        uuid: String(i),
        title: v.title,
        event: v.event,
        method: v.method,
        config: v.config,
        event_config: v.eventConfig,
        number_of_failures: 0,
      }));
      expect(
        views.filter((v) => sameNotification(v, inputs)),
        `${n.event} ${n.method} ${n.title}`,
      ).toHaveLength(1);
    }
    expect(operator.immutability).toEqual([
      { tagPattern: "latest|dev-.*", tagPatternMatches: false },
      { tagPattern: "v[0-9]+", tagPatternMatches: true },
    ]);
    expect(acmeT.immutability).toEqual([{ tagPattern: "release-.*", tagPatternMatches: true }]);
    expect(acmeT.robots.find((r) => r.shortName === "ci")?.federation).toEqual(
      sortFederation(l.organizations[0]!.robots[0]!.federation!),
    );
    // An empty list is not declared: the robot's list is left alone, and not read by an apply.
    expect(acmeT.robots.find((r) => r.shortName === "mirror")?.federation).toBeUndefined();
    const text = exportIt(l).tenants.find((t) => t.tenant === "acme")!.text;
    expect(text).not.toContain("s3cr3t");
    expect(state.tenants.find((t) => t.name === "globex")?.proxyCache).toEqual({
      upstream: "quay.io/globex",
      expirationSeconds: 172800,
      insecure: false,
    });
  });

  it("lists what it cannot express, on the command's notes and in the file", () => {
    const r = exportIt();
    const messages = r.notes.map((n) => `${n.organization ?? "-"}: ${n.message}`);
    const expected = [
      /^acme: user bob is disabled in Quay/,
      /^acme: repository operator: a grant of a deleted user/,
      /^acme: repository operator: notification "Build" \(build_success → email\) is on an event the tenant format does not offer; left alone/,
      /^acme: repository operator: notification "Everyone" \(repo_push → quay_notification\) notifies org acme/,
      /^acme: the organization: prune policy creation_date 90d on tags matching \^pr- has the method and tag pattern of another policy/,
      /^globex: tag expiration 3d is not one of Quay's TAG_EXPIRATION_OPTIONS/,
      /^globex: team sre is synchronized from the directory, but only a superuser sees the ldap group/,
      /^globex: repository web: immutability policy "v\.\*" in an organization that is a proxy cache/,
      /^globex: team ops has 2 pending e-mail invitation/,
      /^globex: team ops has robot acme\+ci of another organization as a member/,
      /^globex: repository web is read-only in Quay/,
      /^globex: the proxy cache's credentials/,
    ];
    for (const re of expected)
      expect(
        messages.some((m) => re.test(m)),
        String(re),
      ).toBe(true);
    expect(messages).toHaveLength(expected.length);
    const globexText = r.tenants.find((t) => t.tenant === "globex")!.text;
    expect(globexText).toContain("# Not expressed in this file (also printed by the export):\n");
    expect(globexText).toMatch(/# - team ops has robot acme\+ci of another organization/);
    expect(r.secrets).toEqual([
      {
        env: "ACME_OPERATOR_WEBHOOK_URL",
        what: 'the webhook URL of the repo_push notification "Deploy on push" of acme/operator',
      },
      {
        env: "ACME_OPERATOR_SLACK_URL",
        what: 'the Slack webhook URL of the vulnerability_found notification "Ops channel" of acme/operator',
      },
      {
        env: "ACME_TOOLS_UBI9_MIRROR_PASSWORD",
        what: "the password of acme-pull at registry.access.redhat.com (mirror of acme/tools/ubi9)",
      },
    ]);
  });

  it("says when the first apply would still grant what the normalization adds", () => {
    const l = lab();
    const org = l.organizations[0]!;
    const ubi = org.repositories.find((r) => r.name === "tools/ubi9")!;
    ubi.grants = ubi.grants.filter((g) => g.kind !== "team" && g.name !== "acme+mirror");
    const messages = exportIt(l).notes.map((n) => n.message);
    expect(messages).toContain(
      "repository tools/ubi9: its mirror robot acme+mirror has no grant, and Quay gives a mirror's robot write, so the first apply grants it write",
    );
    expect(messages).toContain(
      "repository tools/ubi9 has no grant for team developers, although a default permission gives every new repository write; the tenant format cannot say that a repository lacks it, so the first apply grants write",
    );
  });

  it("leaves users to the directory when Quay's users come from LDAP or OIDC", () => {
    const l = lab();
    l.registry.authenticationType = "LDAP";
    const r = exportIt(l);
    expect(r.registry).toContain("    mode: external");
    expect(r.existingUsers).toEqual([]);
    const loaded = load(r);
    expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(loaded.state!.tenants.every((t) => t.users.length === 0)).toBe(true);
  });

  it("declares a synced team's group, and the directory in the registry file, when a superuser reads it", () => {
    const l = lab();
    l.registry.authenticationType = "LDAP";
    l.registry.features.teamSyncing = true;
    const sre = l.organizations[1]!.teams.find((t) => t.name === "sre")!;
    sre.sync = { directory: "ldap", group: "cn=globex-sre,ou=groups" };
    sre.members.push({ kind: "robot", name: "globex+deploy" });
    const r = exportIt(l);
    expect(r.registry).toContain("    directory: ldap");
    expect(r.registry).toContain("    teamSyncing: true");
    const loaded = load(r);
    expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const team = loaded.state!.tenants.find((t) => t.name === "globex")!.teams.find((t) => t.name === "sre")!;
    expect(team.syncFrom).toEqual({ directory: "ldap", group: "cn=globex-sre,ou=groups" });
    // The directory's users are Quay's to keep: only the robot is declared.
    expect(team.members).toEqual([{ kind: "robot", name: "globex+deploy" }]);
    // Synced from elsewhere than the registry's users: left out.
    sre.sync = { directory: "oidc", group: "sre" };
    expect(exportIt(l).notes.map((n) => n.message)).toContain(
      "team sre is synchronized from the directory, but it syncs from oidc while the registry's users come from LDAP; the team is left out (not managed)",
    );
  });

  it("without the user list, no tenant owns a user and every named user is existing", () => {
    const l = lab();
    l.users = undefined;
    l.superUser = false;
    const r = exportIt(l);
    expect(r.existingUsers.map((u) => u.name)).toEqual(["acme-alice", "bob", "globex-hank", "shared-carol"]);
    expect(load(r).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("is deterministic", () => {
    const a = exportIt();
    const l = lab();
    l.organizations.reverse();
    for (const o of l.organizations) {
      o.repositories.reverse();
      o.teams.reverse();
      o.robots.reverse();
    }
    l.organizations.sort((x, y) => (x.name < y.name ? -1 : 1));
    const b = exportIt(l);
    expect(b.tenants.map((t) => t.text)).toEqual(a.tenants.map((t) => t.text));
    expect(b.registry).toBe(a.registry);
  });
});

describe("init: the stack config", () => {
  it("holds the URL and where the files are, never a credential", () => {
    const text = stackConfigText({
      stack: "dallas",
      url: "https://quay.dallas.lab",
      username: "lab-automation",
      registryFile: "stacks/dallas.registry.yaml",
      tenantsDir: "tenants",
      now: NOW,
    });
    expect(parseYaml(text)).toEqual({
      config: {
        "quay-gitops:url": "https://quay.dallas.lab",
        "quay-gitops:username": "lab-automation",
        "quay-gitops:registryFile": "stacks/dallas.registry.yaml",
        "quay-gitops:tenantsDir": "tenants",
      },
    });
    expect(text).toContain("pulumi config set --secret quay-gitops:password --stack dallas");
  });
});
