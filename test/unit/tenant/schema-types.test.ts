/**
 * The schemas (source of truth) and the TypeScript view of a valid file (src/tenant/files.ts) list
 * the same fields. `Complete<T>` makes the compiler demand every field of the types in the fixtures
 * below; the tests prove the fixtures are valid against the schemas (so every type field is a schema
 * field) and that every schema property appears in them (so every schema field is a type field).
 */
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import registrySchema from "../../../schemas/registry.schema.json";
import tenantSchema from "../../../schemas/tenant.schema.json";
import type { RegistryFile, TenantFile } from "../../../src/tenant/files";
import { load, tenantYaml } from "./helpers";

/** Every optional field required, recursively (arrays of objects: one complete element). */
type Complete<T> = T extends (infer U)[]
  ? Complete<U>[]
  : T extends object
    ? { [K in keyof T]-?: Complete<Exclude<T[K], undefined>> }
    : T;

/*
 * Fields that exclude each other (exactly one of user / robot / team...) cannot all be set in one
 * valid object; those lists hold one complete object per alternative instead (the union below).
 */
type NotificationFile = NonNullable<TenantFile["spec"]["notifications"]>[number];

/*
 * One notification per method (their settings exclude each other); a robot as the one notified is
 * refused by the rules, so `config.robot` is left out (the property name is covered elsewhere).
 */
const notifications: unknown[] = [
  {
    event: "repo_push",
    method: "webhook",
    title: "CI",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Quay's template placeholder syntax
    config: { url: "https://ci.acme.example/hook", template: '{"repo": "${repository}"}' },
    eventConfig: {},
  },
  { event: "repo_mirror_sync_failed", method: "slack", config: { urlFrom: { env: "ACME_SLACK" } } },
  {
    event: "repo_image_expiry",
    method: "email",
    config: { email: "ops@acme.example" },
    eventConfig: { days: 7 },
  },
  {
    event: "vulnerability_found",
    method: "quay_notification",
    config: { user: "acme-ann" },
    eventConfig: { level: "High" },
  },
  { event: "vulnerability_found", method: "quay_notification", title: "devs", config: { team: "devs" } },
] satisfies NotificationFile[];

const fullTenant: Complete<Omit<TenantFile, "spec">> & {
  spec: Omit<
    Complete<TenantFile["spec"]>,
    "teams" | "defaultPermissions" | "repositories" | "autoPrune" | "immutability" | "notifications"
  > & {
    teams: unknown[];
    defaultPermissions: unknown[];
    repositories: unknown[];
    autoPrune: unknown[];
    notifications: unknown[];
  };
} = {
  apiVersion: "quay-gitops/v1",
  kind: "Tenant",
  metadata: { name: "acme", contacts: ["a@acme.example"] },
  spec: {
    organization: { name: "acme", email: "a@acme.example", tagExpiration: "2w", deletionPolicy: "retain" },
    quota: { limit: "1 GiB", warningAt: "80%", rejectAt: "100%" },
    users: [{ name: "acme-ann", email: "ann@acme.example" }],
    robots: [
      {
        name: "ci",
        description: "CI",
        federation: [
          {
            issuer: "https://token.actions.githubusercontent.com",
            subject: "repo:acme/app:ref:refs/heads/main",
          },
        ],
      },
    ],
    proxyCache: {
      upstream: "quay.io/acme",
      expiration: "1d",
      insecure: false,
      credentials: { username: "u", passwordFrom: { env: "PW" } },
    },
    teams: [
      {
        name: "devs",
        role: "member",
        description: "d",
        members: [{ user: "acme-ann", expires: "2030-01-01" }, { robot: "ci" }],
      } satisfies Omit<
        Complete<Omit<NonNullable<TenantFile["spec"]["teams"]>[number], "members">>,
        "syncFrom"
      > & {
        members: unknown[];
      },
      {
        name: "ops",
        role: "member",
        description: "synced",
        members: [{ robot: "ci" }],
        syncFrom: { group: "cn=ops,ou=groups" },
      } satisfies Complete<Omit<NonNullable<TenantFile["spec"]["teams"]>[number], "members">> & {
        members: unknown[];
      },
    ],
    defaultPermissions: [
      { user: "acme-ann", role: "read", creator: "acme-ann" },
      { robot: "ci", role: "write", creator: "acme-ann" },
      { team: "devs", role: "write", creator: "acme-ann" },
    ],
    repositories: [
      {
        name: "app",
        visibility: "public",
        allowPublic: true,
        description: "d",
        deletionPolicy: "retain",
        permissions: [
          { user: "acme-ann", role: "read", expires: "2030-01-01" },
          { robot: "ci", role: "write", expires: "2030-01-01" },
          { team: "devs", role: "admin", expires: "2030-01-01" },
        ],
        autoPrune: [{ keepTags: 3, tagPattern: "x", tagPatternMatches: true }],
        notifications,
        mirror: {
          from: "quay.io/x/y",
          tags: ["1.*"],
          every: "24h",
          robot: "ci",
          credentials: { username: "u", passwordFrom: { config: "pw" } },
          verifyTls: true,
          unsignedImages: false,
          proxy: { http: "http://p:3128", https: "http://p:3128", noProxy: ".lab" },
          enabled: true,
          skopeoTimeout: "300s",
          architectureFilter: ["amd64"],
        } satisfies Complete<NonNullable<NonNullable<TenantFile["spec"]["repositories"]>[number]["mirror"]>>,
      },
    ],
    autoPrune: [
      { keepTags: 5, tagPattern: "^pr-", tagPatternMatches: false },
      { olderThan: "90d", tagPattern: "^pr-", tagPatternMatches: false },
    ],
    notifications: [
      { event: "repo_push", method: "webhook", title: "all", config: { urlFrom: { config: "hook" } } },
    ],
  },
};

/** Immutability policies cannot share a tenant with a proxy cache: a second tenant has them. */
const immutableTenant: { spec: Pick<Complete<TenantFile["spec"]>, "immutability" | "repositories"> } = {
  spec: {
    immutability: [{ tagPattern: "v[0-9]+", tagPatternMatches: true }],
    repositories: [
      { name: "release", immutability: [{ tagPattern: "stable", tagPatternMatches: false }] },
    ] as never,
  },
};

const fullRegistry: Complete<Omit<RegistryFile, "spec">> & {
  spec: Omit<Complete<RegistryFile["spec"]>, "baseline"> & { baseline: unknown };
} = {
  apiVersion: "quay-gitops/v1",
  kind: "Registry",
  metadata: { name: "test", description: "d" },
  spec: {
    hostnames: ["quay.lab.example"],
    users: { mode: "external", directory: "ldap", existing: ["lab-bot"] },
    tagExpirationOptions: ["0s", "2w"],
    defaults: { tagExpiration: "2w", quota: { limit: "1 GiB", warningAt: "80%", rejectAt: "100%" } },
    features: {
      teamSyncing: true,
      repoMirror: true,
      proxyCache: true,
      autoPrune: true,
      quotaManagement: true,
      sparseIndex: true,
      extendedRepositoryNames: true,
      immutableTags: true,
    },
    baseline: {
      teams: [{ name: "auto", role: "member", description: "d", members: [{ user: "lab-bot" }] }],
      repositoryPermissions: [
        { team: "auto", role: "read" },
        { user: "lab-bot", role: "read" },
      ],
      defaultPermissions: [{ team: "auto", role: "read" }],
    },
    restrictions: {
      default: { organizations: ["{tenant}"], users: ["{tenant}-*"], maxQuota: "1 TiB" },
      tenants: { acme: { organizations: ["acme"], users: ["acme-*"], maxQuota: "2 TiB" } },
    },
    budgets: { maxDeletes: 1, maxTenantChangePercent: 2, minObjectsForPercent: 3, requireAllowPublic: true },
  },
};

/** Every property name declared anywhere in a schema, as `definition.property`. */
function schemaProperties(schema: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, where: string) => {
    if (!node || typeof node !== "object") return;
    const n = node as Record<string, unknown>;
    if (n.properties && typeof n.properties === "object") {
      for (const [k, v] of Object.entries(n.properties)) {
        out.add(k);
        walk(v, `${where}.${k}`);
      }
    }
    for (const [k, v] of Object.entries(n)) if (k !== "properties") walk(v, `${where}.${k}`);
  };
  walk(schema, "");
  return out;
}

/** Every key used anywhere in a value (map keys of `restrictions.tenants` are data, not fields). */
function keysOf(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysOf(v, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k !== "acme") out.add(k);
      keysOf(v, out);
    }
  }
  return out;
}

describe("schemas and src/tenant/files.ts agree", () => {
  it("the complete tenant and registry fixtures are valid", () => {
    // Users are declared with managed users, synced teams need a directory: one registry each.
    const { users: _, ...external } = fullTenant.spec;
    const r = load(
      { acme: stringify(external), beta: stringify(immutableTenant.spec) },
      { registry: stringify(fullRegistry.spec) },
    );
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const managed = { ...fullTenant.spec, teams: fullTenant.spec.teams.slice(0, 1) };
    const registry = {
      ...fullRegistry.spec,
      users: { mode: "managed", existing: ["lab-bot"] },
      features: { ...fullRegistry.spec.features, teamSyncing: false },
    };
    const m = load({ acme: stringify(managed) }, { registry: stringify(registry) });
    expect(m.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(tenantYaml("acme", "{}")).toContain("kind: Tenant");
  });

  it("every tenant schema property appears in the complete fixture", () => {
    const keys = keysOf([fullTenant, immutableTenant]);
    expect([...schemaProperties(tenantSchema)].filter((p) => !keys.has(p))).toEqual([]);
  });

  it("every registry schema property appears in the complete fixture", () => {
    expect([...schemaProperties(registrySchema)].filter((p) => !keysOf(fullRegistry).has(p))).toEqual([]);
  });

  it("the definitions the registry schema repeats are identical to the tenant schema's", () => {
    const t = tenantSchema.$defs as Record<string, unknown>;
    const r = registrySchema.$defs as Record<string, unknown>;
    for (const name of ["namespaceName", "size", "percent"]) expect(r[name], name).toEqual(t[name]);
  });
});
