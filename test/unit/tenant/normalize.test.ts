import { describe, expect, it } from "vitest";
import type { TenantModel } from "../../../src/model/types";
import { DEFAULT_REGISTRY_SPEC, lines, load, NOW } from "./helpers";

/** Loads one tenant `acme` and returns its model (failing with the diagnostics if it is invalid). */
function model(spec: string, opts: Parameters<typeof load>[1] = {}): TenantModel {
  const r = load({ acme: spec }, opts);
  expect(lines(r)).toEqual([]);
  return r.state!.tenants[0]!;
}

describe("normalization", () => {
  it("organization: name defaults to metadata.name, tagExpiration to seconds, deletionPolicy retain", () => {
    const m = model("organization:\n  tagExpiration: 4w\n");
    expect(m.organization).toEqual({ name: "acme", tagExpirationSeconds: 2419200, deletionPolicy: "retain" });
  });

  it("organization: the registry's default tagExpiration applies; none leaves Quay's value alone", () => {
    expect(model("{}").organization.tagExpirationSeconds).toBe(1209600);
    const noDefault = model("{}", { registry: "users: { existing: [lab-bot] }\n" });
    expect(noDefault.organization).toEqual({ name: "acme", deletionPolicy: "retain" });
    expect("tagExpirationSeconds" in noDefault.organization).toBe(false);
  });

  it("14d equals the allowed option 2w in seconds (Quay compares seconds)", () => {
    expect(model("organization: { tagExpiration: 14d }\n").organization.tagExpirationSeconds).toBe(1209600);
  });

  it("quota: sizes to bytes, percentages to limits sorted by type then threshold", () => {
    expect(model("quota: { limit: 500 GiB, warningAt: 80%, rejectAt: 100% }\n").quota).toEqual({
      limitBytes: 536870912000,
      limits: [
        { type: "Reject", thresholdPercent: 100 },
        { type: "Warning", thresholdPercent: 80 },
      ],
    });
    expect(model("quota: { limit: 100 GB }\n").quota).toEqual({ limitBytes: 100_000_000_000, limits: [] });
    expect(model("quota: { limit: 1073741824, rejectAt: 90 }\n").quota).toEqual({
      limitBytes: 1073741824,
      limits: [{ type: "Reject", thresholdPercent: 90 }],
    });
  });

  it("quota: the registry default applies when the tenant sets none", () => {
    const m = model("{}", {
      registry: "defaults:\n  quota: { limit: 10 GiB, warningAt: 90% }\nusers: { existing: [lab-bot] }\n",
    });
    expect(m.quota).toEqual({
      limitBytes: 10 * 1024 ** 3,
      limits: [{ type: "Warning", thresholdPercent: 90 }],
    });
    expect(model("{}").quota).toBeUndefined();
  });

  it("robots: full names org+short, sorted, description defaults to empty", () => {
    const m = model(
      "organization: { name: acme-ci }\nrobots:\n  - name: mirror\n  - name: ci\n    description: CI\n",
    );
    expect(m.robots).toEqual([
      { shortName: "ci", fullName: "acme-ci+ci", description: "CI" },
      { shortName: "mirror", fullName: "acme-ci+mirror", description: "" },
    ]);
  });

  it("users: sorted, email kept when given", () => {
    expect(
      model("users:\n  - name: acme-zed\n  - name: acme-ann\n    email: ann@acme.example\n").users,
    ).toEqual([{ name: "acme-ann", email: "ann@acme.example" }, { name: "acme-zed" }]);
  });

  it("teams: members sorted by kind then name, robots by full name, expired members dropped, baseline team added", () => {
    const m = model(`users: [{ name: acme-zed }, { name: acme-ann }, { name: acme-old }]
robots: [{ name: ci }, { name: bot }]
teams:
  - name: devs
    role: creator
    members:
      - user: acme-zed
      - robot: ci
      - user: acme-ann
      - robot: acme+bot
      - user: acme-old
        expires: 2026-05-31
      - user: acme-old
        expires: 2026-06-01T12:00:00Z
`);
    expect(m.teams).toEqual([
      {
        name: "devs",
        role: "creator",
        description: "",
        members: [
          { kind: "robot", name: "acme+bot" },
          { kind: "robot", name: "acme+ci" },
          { kind: "user", name: "acme-ann" },
          { kind: "user", name: "acme-zed" },
        ],
        origin: "tenant",
      },
      {
        name: "lab-automation",
        role: "member",
        description: "",
        members: [{ kind: "user", name: "lab-bot" }],
        origin: "registry",
      },
    ]);
  });

  it("expires: an entry is kept through its day (UTC) and dropped after, with a notice", () => {
    const spec =
      "users: [{ name: acme-bob }]\nteams:\n  - name: devs\n    members:\n      - user: acme-bob\n        expires: 2026-06-01\n";
    const lastDay = load({ acme: spec }, { now: new Date("2026-06-01T23:59:59Z") });
    expect(lastDay.state!.tenants[0]!.teams[0]!.members).toEqual([{ kind: "user", name: "acme-bob" }]);
    expect(lines(lastDay, "notice")).toEqual([]);
    const after = load({ acme: spec }, { now: new Date("2026-06-02T00:00:00Z") });
    expect(after.state!.tenants[0]!.teams[0]!.members).toEqual([]);
    expect(lines(after, "notice")).toEqual([
      "QG_TENANT_EXPIRED tenants/acme.yaml:11:20 spec.teams[0].members[0].expires: acme-bob (member of team devs) expired on 2026-06-01 and is dropped; remove the entry from the file",
    ]);
  });

  it("an expired entry is not reference-checked (its user may be gone already)", () => {
    const r = load({
      acme: "teams:\n  - name: devs\n    members:\n      - user: acme-gone\n        expires: 2025-01-01\n",
    });
    expect(lines(r)).toEqual([]);
    expect(r.state!.tenants[0]!.teams[0]!.members).toEqual([]);
  });

  it("default permissions: delegates typed, robots full, creator → activatingUser, baseline merged, sorted", () => {
    const m = model(`users: [{ name: acme-ann }]
robots: [{ name: ci }]
teams: [{ name: devs }]
defaultPermissions:
  - team: devs
    role: write
  - robot: ci
    role: write
    creator: acme-ann
  - user: acme-ann
    role: admin
`);
    expect(m.defaultPermissions).toEqual([
      {
        delegate: { kind: "robot", name: "acme+ci" },
        role: "write",
        activatingUser: "acme-ann",
        origin: "tenant",
      },
      { delegate: { kind: "team", name: "devs" }, role: "write", origin: "tenant" },
      { delegate: { kind: "team", name: "lab-automation" }, role: "read", origin: "registry" },
      { delegate: { kind: "user", name: "acme-ann" }, role: "admin", origin: "tenant" },
    ]);
  });

  it("a tenant's own default permission for the baseline team replaces the baseline's", () => {
    const m = model("defaultPermissions:\n  - team: lab-automation\n    role: write\n");
    expect(m.defaultPermissions).toEqual([
      { delegate: { kind: "team", name: "lab-automation" }, role: "write", origin: "tenant" },
    ]);
  });

  it("repositories: defaults, permissions sorted with the baseline read, org deletionPolicy inherited", () => {
    const m = model(`organization: { deletionPolicy: delete }
users: [{ name: acme-ann }]
robots: [{ name: ci }]
teams: [{ name: devs }]
repositories:
  - name: z/app
    visibility: public
    allowPublic: true
    deletionPolicy: retain
  - name: app
    permissions:
      - user: acme-ann
        role: admin
      - team: devs
        role: write
      - robot: ci
        role: write
`);
    expect(m.repositories).toEqual([
      {
        name: "app",
        visibility: "private",
        description: "",
        permissions: [
          { kind: "robot", name: "acme+ci", role: "write" },
          { kind: "team", name: "devs", role: "write" },
          { kind: "team", name: "lab-automation", role: "read" },
          { kind: "user", name: "acme-ann", role: "admin" },
        ],
        autoPrune: [],
        immutability: [],
        notifications: [],
        deletionPolicy: "delete",
        allowPublic: false,
      },
      {
        name: "z/app",
        visibility: "public",
        description: "",
        permissions: [{ kind: "team", name: "lab-automation", role: "read" }],
        autoPrune: [],
        immutability: [],
        notifications: [],
        deletionPolicy: "retain",
        allowPublic: true,
      },
    ]);
  });

  it("notifications: spec.notifications go to every repository, in Quay's words, sorted by what names them", () => {
    const m = model(`users: [{ name: acme-ann }]
teams: [{ name: devs }]
notifications:
  - event: vulnerability_found
    method: slack
    eventConfig: { level: High }
    config: { urlFrom: { env: ACME_SLACK } }
repositories:
  - name: app
    notifications:
      - event: repo_image_expiry
        method: email
        eventConfig: { days: 7 }
        config: { email: ops@acme.example }
      - event: repo_push
        method: quay_notification
        title: pushes
        config: { team: devs }
      - event: repo_push
        method: webhook
        config: { url: "https://ci.acme.example/hook", template: '{"r": 1}' }
  - name: lib
`);
    const slack = {
      event: "vulnerability_found",
      method: "slack",
      config: {},
      eventConfig: { level: 1 },
      urlFrom: { env: "ACME_SLACK" },
      scope: "tenant",
    };
    expect(m.repositories.map((r) => r.notifications)).toEqual([
      [
        {
          event: "repo_image_expiry",
          method: "email",
          config: { email: "ops@acme.example" },
          eventConfig: { days: 7 },
          scope: "repository",
        },
        {
          event: "repo_push",
          method: "quay_notification",
          title: "pushes",
          config: { target: { kind: "team", name: "devs" } },
          eventConfig: {},
          scope: "repository",
        },
        {
          event: "repo_push",
          method: "webhook",
          config: { url: "https://ci.acme.example/hook", template: '{"r": 1}' },
          eventConfig: {},
          scope: "repository",
        },
        slack,
      ],
      [slack],
    ]);
  });

  it("immutability: organization and repository policies, tagPatternMatches defaulting to true", () => {
    const m = model(
      `immutability:
  - tagPattern: "v[0-9]+"
  - tagPattern: latest
    tagPatternMatches: false
repositories:
  - name: app
    immutability: [{ tagPattern: "release-.*" }]
`,
      { registry: `${DEFAULT_REGISTRY_SPEC}features: { immutableTags: true }\n` },
    );
    expect(m.immutability).toEqual([
      { tagPattern: "latest", tagPatternMatches: false },
      { tagPattern: "v[0-9]+", tagPatternMatches: true },
    ]);
    expect(m.repositories[0]!.immutability).toEqual([{ tagPattern: "release-.*", tagPatternMatches: true }]);
  });

  it("a tenant's own permission for the baseline team wins on that repository", () => {
    const m = model(
      "repositories:\n  - name: app\n    permissions:\n      - team: lab-automation\n        role: admin\n",
    );
    expect(m.repositories[0]!.permissions).toEqual([{ kind: "team", name: "lab-automation", role: "admin" }]);
  });

  it("autoPrune: keepTags → number_of_tags, olderThan → creation_date, tagPatternMatches default true, sorted", () => {
    const m = model(`autoPrune:
  - olderThan: 90d
    tagPattern: "^pr-"
  - keepTags: 20
  - olderThan: 2w
    tagPattern: "^release-"
    tagPatternMatches: false
`);
    expect(m.autoPrune).toEqual([
      { method: "creation_date", value: "2w", tagPattern: "^release-", tagPatternMatches: false },
      { method: "creation_date", value: "90d", tagPattern: "^pr-", tagPatternMatches: true },
      { method: "number_of_tags", value: 20, tagPatternMatches: true },
    ]);
  });

  it("mirror: defaults (24h, skopeo 300s, verifyTls, enabled, no filter) and its robot gets write", () => {
    const m = model(`robots: [{ name: mirror }]
repositories:
  - name: ubi9
    mirror:
      from: registry.access.redhat.com/ubi9/ubi
      tags: ["9.*", latest]
      robot: mirror
`);
    const repo = m.repositories[0]!;
    expect(repo.mirror).toEqual({
      externalReference: "registry.access.redhat.com/ubi9/ubi",
      tags: ["9.*", "latest"],
      syncIntervalSeconds: 86400,
      robot: "acme+mirror",
      verifyTls: true,
      unsignedImages: false,
      enabled: true,
      skopeoTimeoutSeconds: 300,
      architectureFilter: [],
    });
    // Quay grants the mirror robot write when the mirror is created (docs/quay-api.md#mirrors).
    expect(repo.permissions).toContainEqual({ kind: "robot", name: "acme+mirror", role: "write" });
  });

  it("mirror: every field given", () => {
    const m = model(
      `robots: [{ name: mirror }]
repositories:
  - name: ubi9
    permissions:
      - robot: mirror
        role: read
    mirror:
      from: registry.example:5000/ns/repo
      tags: ["1.*"]
      every: 6h
      robot: acme+mirror
      credentials:
        username: pull
        passwordFrom: { config: pullPassword }
      verifyTls: false
      unsignedImages: true
      proxy: { https: http://proxy:3128, noProxy: .lab }
      enabled: false
      skopeoTimeout: 30m
      architectureFilter: [s390x, amd64]
`,
      { registry: `${DEFAULT_REGISTRY_SPEC}features: { sparseIndex: true }\n` },
    );
    const repo = m.repositories[0]!;
    expect(repo.mirror).toEqual({
      externalReference: "registry.example:5000/ns/repo",
      tags: ["1.*"],
      syncIntervalSeconds: 21600,
      robot: "acme+mirror",
      credentials: { username: "pull", passwordFrom: { config: "pullPassword" } },
      verifyTls: false,
      unsignedImages: true,
      proxy: { https: "http://proxy:3128", noProxy: ".lab" },
      enabled: false,
      skopeoTimeoutSeconds: 1800,
      architectureFilter: ["amd64", "s390x"],
    });
    // A declared read is raised to the write Quay will grant anyway.
    expect(repo.permissions.filter((p) => p.kind === "robot")).toEqual([
      { kind: "robot", name: "acme+mirror", role: "write" },
    ]);
  });

  it("proxyCache: expiration default 1d, insecure false, credentials by reference", () => {
    expect(model("proxyCache: { upstream: quay.io/acme }\n").proxyCache).toEqual({
      upstream: "quay.io/acme",
      expirationSeconds: 86400,
      insecure: false,
    });
    expect(
      model(
        "proxyCache:\n  upstream: docker.io/library\n  expiration: 12h\n  insecure: true\n  credentials:\n    username: u\n    passwordFrom: { env: DOCKER_PW }\n",
      ).proxyCache,
    ).toEqual({
      upstream: "docker.io/library",
      expirationSeconds: 43200,
      insecure: true,
      credentials: { username: "u", passwordFrom: { env: "DOCKER_PW" } },
    });
  });

  it("external users: references to any user are accepted and no users are owned", () => {
    const r = load(
      { acme: "teams:\n  - name: devs\n    members:\n      - user: jdoe\n" },
      { registry: "users: { mode: external }\n" },
    );
    expect(lines(r)).toEqual([]);
    expect(r.state!.tenants[0]!.users).toEqual([]);
    expect(r.state!.registry.users).toBe("external");
  });

  it("the registry settings reach the model", () => {
    const r = load(
      { acme: "{}" },
      {
        registry:
          "users: { existing: [zed, lab-bot] }\ntagExpirationOptions: [0s, 2w]\nbudgets: { maxDeletes: 3, requireAllowPublic: false }\n",
      },
    );
    expect(r.state!.registry).toEqual({
      file: "stacks/test.registry.yaml",
      tagExpirationOptions: ["0s", "2w"],
      users: "managed",
      existingUsers: ["lab-bot", "zed"],
      budgets: {
        maxDeletes: 3,
        maxTenantChangePercent: 30,
        minObjectsForPercent: 10,
        requireAllowPublic: false,
      },
    });
  });

  it("tenants are sorted by name and the state is plain, deterministic data", () => {
    const tenants = { zeta: "{}", acme: "{}", mid: "{}" };
    const a = load(tenants);
    const b = load(Object.fromEntries(Object.entries(tenants).reverse()));
    expect(a.state!.tenants.map((t) => t.name)).toEqual(["acme", "mid", "zeta"]);
    expect(JSON.stringify(a.state)).toBe(JSON.stringify(b.state));
    expect(JSON.parse(JSON.stringify(a.state))).toEqual(a.state);
    expect(NOW).toBeInstanceOf(Date);
  });
});
