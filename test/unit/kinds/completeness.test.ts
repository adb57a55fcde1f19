import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { RouteDef } from "../../../emulator/router";
import { resolveConfig } from "../../../emulator/config";
import { allRoutes } from "../../../emulator/routes/index";
import { kindByName } from "../../../providers/registry";
import {
  allKindInfos,
  type Identity,
  type KindInfo,
  type KindName,
  type PartFeature,
  schemaWord,
} from "../../../src/kinds";
import type { Right } from "../../../src/kinds/types";
import type { DesiredState } from "../../../src/model/types";
import { matchersFor } from "../../../src/plan/attribution";
import { loadDesiredState } from "../../../src/tenant";
import { DEFAULT_FEATURES } from "../../../src/tenant/registry";

// A registered kind (src/kinds/index.ts) has every piece it needs. What TypeScript already enforces
// (a provider in providers/registry.ts, a descriptor of the KindInfo shape, these identities) fails
// the type check; this checks what lives outside it: the schema, the emulator's routes, the docs,
// the audit-log kinds, the feature probe.
//
// Required of every kind: provider, audit matchers (for a changed and for a deleted object),
// schema section, field rows in docs/tenants.md, a row in docs/design.md's replace table, an
// emulator route file, the rights its objects need in Quay (the type check asks for `rights`; this
// checks that a tenant with the kind's objects gets some, each a row of docs/design.md's preflight
// table). Optional, checked when present: the feature gate (Quay serves some kinds' endpoints
// unconditionally), parts and their rights, kind-specific warnings (the generic ones otherwise),
// computed and secret outputs (only kinds whose provider adds them), the token a credential holds.

const root = path.resolve(__dirname, "../../..");
const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");

/** What identifies an object of each kind in the state (its provider's inputs); a new kind adds its own. */
const IDENTITIES = {
  Organization: [{ name: "acme" }],
  User: [{ name: "acme-alice" }],
  Robot: [{ organization: "acme", shortName: "ci" }],
  RobotFederation: [{ organization: "acme", shortName: "ci" }],
  Team: [{ organization: "acme", name: "developers" }],
  Repository: [{ namespace: "acme", name: "app" }],
  DefaultPermission: [{ organization: "acme", delegate: { kind: "robot", name: "acme+ci" } }],
  Quota: [{ organization: "acme" }],
  RepositoryMirror: [{ namespace: "acme", repository: "app" }],
  ProxyCache: [{ organization: "acme" }],
  AutoPrunePolicy: [{ namespace: "acme" }, { namespace: "acme", repository: "app" }],
  RepositoryNotification: [{ namespace: "acme", repository: "app", event: "repo_push", method: "slack" }],
  ImmutabilityPolicy: [
    { namespace: "acme", tagPattern: "v.*" },
    { namespace: "acme", repository: "app", tagPattern: "v.*" },
  ],
} satisfies Record<KindName, Identity[]>;

const each = allKindInfos().map((k) => [k.name, k] as const);

/** The node of schemas/tenant.schema.json at a descriptor's path (`spec.repositories[].mirror`). */
function schemaAt(schema: Record<string, unknown>, at: string): unknown {
  const deref = (n: unknown): Record<string, unknown> | undefined => {
    const node = n as Record<string, unknown> | undefined;
    const ref = node?.$ref;
    if (typeof ref !== "string") return node;
    let target: unknown = schema;
    for (const p of ref.replace(/^#\//, "").split("/")) target = (target as Record<string, unknown>)?.[p];
    return deref(target);
  };
  let node = deref(schema);
  for (const step of at.split(".")) {
    const list = step.endsWith("[]");
    const props = node?.properties as Record<string, unknown> | undefined;
    node = deref(props?.[list ? step.slice(0, -2) : step]);
    if (list) node = node?.type === "array" ? deref(node.items) : undefined;
    if (!node) return undefined;
  }
  return node;
}

/** The audit log kinds docs/quay-api.md#audit-logs names (`create|update|delete_x` expanded). */
function documentedLogKinds(): Set<string> {
  const doc = read("docs/quay-api.md");
  const start = doc.indexOf("\n## Audit logs");
  const section = doc.slice(start, doc.indexOf("\n## ", start + 1));
  const out = new Set<string>();
  for (const [, token] of section.matchAll(/`([a-z_|*]+)`/g)) {
    const m = /^([a-z|]+\|[a-z]+)_(.*)$/.exec(token!);
    if (m) for (const head of m[1]!.split("|")) out.add(`${head}_${m[2]}`);
    else out.add(token!);
  }
  return out;
}

/** The route definitions a module of emulator/routes/ exports. */
async function routesOf(file: string): Promise<RouteDef<unknown>[]> {
  const mod = (await import(`../../../emulator/routes/${file}.ts`)) as Record<string, unknown>;
  return Object.values(mod).flatMap((v) =>
    Array.isArray(v) ? v.filter((r): r is RouteDef<unknown> => typeof r?.template === "string") : [],
  );
}

describe("every registered kind has all its pieces", () => {
  it("the registry and the providers list the same kinds, each with its own descriptor", () => {
    for (const [name, k] of each) {
      const provider = kindByName(name);
      expect(provider, `providers/registry.ts has no provider for ${name}`).toBeDefined();
      expect(provider!.info, `the provider of ${name} names another descriptor`).toBe(k);
      expect(provider!.kind).toBe(name);
    }
    expect(Object.keys(IDENTITIES).sort()).toEqual(each.map(([n]) => n).sort());
  });

  it.each(each)(
    "%s: audit-log matchers for a changed and a deleted object, of documented log kinds",
    (name, k) => {
      const documented = documentedLogKinds();
      for (const identity of IDENTITIES[name as KindName] as Identity[]) {
        const changed = matchersFor({ kind: name, identity, fields: [], status: "changed" });
        const direct = changed.filter((m) => m.via === "direct");
        expect(direct.length, `${name} ${JSON.stringify(identity)}: no audit matcher`).toBeGreaterThan(0);
        const deleted = matchersFor({ kind: name, identity, fields: [], status: "deleted" });
        expect(deleted.length, `${name}: nothing explains a deletion`).toBeGreaterThan(0);
        const kindsUsed = direct.flatMap((m) => [...m.kinds]);
        const undocumented = kindsUsed.filter((x) => !documented.has(x));
        expect(undocumented, `${name}: log kinds missing from docs/quay-api.md#audit-logs`).toEqual([]);
      }
      expect(k.audit).toBeTypeOf("function");
    },
  );

  it.each(each)("%s: its schema paths are in schemas/tenant.schema.json", (_name, k) => {
    const schema = JSON.parse(read("schemas/tenant.schema.json")) as Record<string, unknown>;
    for (const at of k.schema)
      expect(schemaAt(schema, at), `${at} is not in the tenant schema`).toBeDefined();
  });

  it.each(each)("%s: docs/tenants.md has its fields and docs/design.md its replace row", (name, k) => {
    const tenants = read("docs/tenants.md");
    for (const at of k.schema) {
      const row = new RegExp(`^\\| \`${at.replace(/[.[\]]/g, "\\$&")}[.\`\\[]`, "m");
      expect(row.test(tenants), `docs/tenants.md has no field row for ${at}`).toBe(true);
    }
    expect(read("docs/design.md")).toMatch(new RegExp(`^\\| ${name} \\|`, "m"));
  });

  it.each(each)("%s: its emulator route file is served", async (_name, k) => {
    const file = `emulator/routes/${k.emulator}.ts`;
    expect(fs.existsSync(path.join(root, file)), `${file} is missing`).toBe(true);
    const routes = await routesOf(k.emulator);
    expect(routes.length, `${file} exports no routes`).toBeGreaterThan(0);
    for (const r of routes)
      expect(allRoutes, `${r.template} is not in emulator/routes/index.ts`).toContain(r);
  });

  it.each(each.filter(([, k]) => k.feature))(
    "%s: its feature probe is a route of its own, gated by the flag",
    async (_name, k) => {
      const gate = k.feature!;
      const shape = (p: string) => p.replace(/\{[^}]*\}/g, "{}");
      const route = (await routesOf(k.emulator)).find((r) => shape(r.template) === gate.probe);
      expect(route, `emulator/routes/${k.emulator}.ts has no route ${gate.probe}`).toBeDefined();
      // On with the flag (the emulator's lab defaults need not have it: Quay's default is off for some).
      expect(route!.enabled?.(resolveConfig({ [gate.flag]: true })) ?? true).toBe(true);
      expect(route!.enabled?.(resolveConfig({ [gate.flag]: false }))).toBe(false);
      expect(Object.keys(DEFAULT_FEATURES)).toContain(gate.registry);
      const registrySchema = read("schemas/registry.schema.json");
      expect(registrySchema).toContain(`"${gate.registry}"`);
    },
  );

  const parts = allKindInfos().flatMap((k) =>
    (k.parts ?? []).map((p) => [`${k.name} ${p.schema}`, k, p] as const),
  );

  it.each(parts)(
    "%s: a part's feature probe is a gated route, its schema path and field row exist",
    async (_what, k, p) => {
      const shape = (x: string) => x.replace(/\{[^}]*\}/g, "{}");
      const route = (await routesOf(k.emulator)).find((r) => shape(r.template) === p.gate.probe);
      expect(route, `emulator/routes/${k.emulator}.ts has no route ${p.gate.probe}`).toBeDefined();
      expect(route!.enabled?.(resolveConfig({ [p.gate.flag]: true }))).toBe(true);
      expect(route!.enabled?.(resolveConfig({ [p.gate.flag]: false }))).toBe(false);
      expect(Object.keys(DEFAULT_FEATURES)).toContain(p.gate.registry);
      expect(read("schemas/registry.schema.json")).toContain(`"${p.gate.registry}"`);
      const schema = JSON.parse(read("schemas/tenant.schema.json")) as Record<string, unknown>;
      expect(schemaAt(schema, p.schema), `${p.schema} is not in the tenant schema`).toBeDefined();
      const row = new RegExp(`^\\| \`${p.schema.replace(/[.[\]]/g, "\\$&")}[.\`\\[]`, "m");
      expect(row.test(read("docs/tenants.md")), `docs/tenants.md has no field row for ${p.schema}`).toBe(
        true,
      );
    },
  );

  it.each(each)(
    "%s: secrets the provider keeps are stored encrypted; outputs are its own",
    (name, k: KindInfo) => {
      const provider = kindByName(name)!;
      for (const f of provider.secretFields ?? [])
        expect(k.secretOutputs ?? [], `${name}.${f} is write-only: list it in secretOutputs`).toContain(f);
      for (const o of k.secretOutputs ?? [])
        expect([...provider.fields, ...(k.outputs ?? [])], `${name}: secret output ${o}`).toContain(o);
    },
  );

  it("resource names are unique per kind across the sample tenants; sections are named by their schema key", () => {
    const { state } = loadDesiredState({ root, registryFile: "stacks/local.registry.yaml", now: new Date() });
    expect(state).toBeDefined();
    for (const [name, k] of each) {
      const names = state!.tenants.flatMap((t) => k.objects(t));
      expect(new Set(names).size, `${name}: two objects share a resource name`).toBe(names.length);
    }
    for (const [, k] of each) expect(schemaWord(k.schema[0])).toMatch(/^[a-z][A-Za-z]*$/);
  });

  /**
   * The sample tenants, with what they do not use added to acme, so that every kind and part has
   * objects somewhere (the model is not validated here: only its shape counts).
   */
  const everyKind = (): DesiredState => {
    const { state } = loadDesiredState({ root, registryFile: "stacks/local.registry.yaml", now: new Date() });
    if (!state) throw new Error("the sample tenants must load");
    const tenants = state.tenants.map((t) => {
      if (t.name !== "acme") return t;
      const [r0, ...rs] = t.repositories;
      const [robot, ...robots] = t.robots;
      const [team, ...teams] = t.teams;
      const policy = { tagPattern: "v.*", tagPatternMatches: true };
      return {
        ...t,
        immutability: [policy],
        robots: [
          { ...robot!, federation: [{ issuer: "https://gitlab.com", subject: "project_path:acme/app" }] },
          ...robots,
        ],
        teams: [{ ...team!, syncFrom: { directory: "ldap" as const, group: "cn=devs" } }, ...teams],
        repositories: [
          {
            ...r0!,
            immutability: [policy],
            notifications: [
              {
                event: "repo_push" as const,
                method: "slack" as const,
                config: {},
                eventConfig: {},
                scope: "repository" as const,
              },
            ],
          },
          ...rs,
        ],
      };
    });
    return { ...state, tenants };
  };

  /** docs/design.md's preflight table: the right's row (by its second cell) → its first cell. */
  const preflightRows = (): Map<Right, string> => {
    const doc = read("docs/design.md");
    const start = doc.indexOf("| The tenant files have | The credentials need |");
    const rows = doc.slice(start, doc.indexOf("\n\n", start)).split("\n").slice(2);
    const marker: Record<Exclude<Right, "userAdmin">, string> = {
      superuser: "a superuser",
      fullAccess: "`FEATURE_SUPERUSERS_FULL_ACCESS`",
      orgAdmin: "`org:admin`",
      repoAdmin: "`repo:admin`",
    };
    const out = new Map<Right, string>();
    for (const [right, m] of Object.entries(marker)) {
      const row = rows.map((r) => r.split("|").map((c) => c.trim())).find((c) => c[2]?.startsWith(m));
      if (row) out.set(right as Right, row[1]!);
    }
    return out;
  };

  it.each(each)(
    "%s: declares the rights its objects need, each a row of docs/design.md's preflight table",
    (name, k) => {
      const state = everyKind();
      const rows = preflightRows();
      const users = state.tenants.filter((t) => k.objects(t).length > 0);
      expect(users.length, `${name}: no sample tenant has one (extend everyKind)`).toBeGreaterThan(0);
      const parts = (t: (typeof users)[number]) => (k.parts ?? []).filter((p: PartFeature) => p.used(t));
      for (const t of users) {
        const needs = [...k.rights(t, state), ...parts(t).flatMap((p) => p.rights)];
        expect(needs.length, `${name}: no rights for ${t.file}`).toBeGreaterThan(0);
        for (const n of needs) {
          if (n.right === "userAdmin") {
            expect(n.what, `${name}: user:admin is for creating the organization`).toBe(t.organization.name);
            expect(n.writeOnly).toBe(true);
            continue;
          }
          expect(
            rows.get(n.right) ?? "",
            `docs/design.md: the ${n.right} row does not name ${n.what}`,
          ).toContain(n.what);
        }
      }
      for (const p of k.parts ?? [])
        expect(
          users.some((t) => p.used(t)),
          `${name} ${p.schema}: no sample tenant uses it`,
        ).toBe(true);
    },
  );

  it.each(each.filter(([, k]) => k.credential))(
    "%s: its credential is a computed account and a secret token",
    (_name, k) => {
      const c = k.credential!;
      expect(k.outputs ?? []).toContain(c.account);
      expect(k.secretOutputs ?? []).toContain(c.token);
    },
  );
});
