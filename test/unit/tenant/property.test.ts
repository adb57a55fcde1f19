/**
 * Property tests: whatever bytes, text or YAML structure arrives, the loader returns diagnostics
 * (never throws), never reports an internal error, and its diagnostics are well-formed and sorted.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { compareDiagnostics, type LoadResult, loadDesiredStateFromFiles } from "../../../src/tenant";
import { NOW, REGISTRY_PATH, registryYaml } from "./helpers";

const ROOT = path.resolve(__dirname, "../../..");
const sampleTenant = parse(fs.readFileSync(path.join(ROOT, "tenants/acme.yaml"), "utf8")) as unknown;
const sampleRegistry = fs.readFileSync(path.join(ROOT, "stacks/local.registry.yaml"), "utf8");

function run(tenant: string | Uint8Array, registry: string | Uint8Array = registryYaml()): LoadResult {
  let result: LoadResult | undefined;
  expect(() => {
    result = loadDesiredStateFromFiles({
      files: { "tenants/acme.yaml": tenant, [REGISTRY_PATH]: registry },
      registryFile: REGISTRY_PATH,
      now: NOW,
    });
  }).not.toThrow();
  const r = result!;
  for (const d of r.diagnostics) {
    expect(d.code, d.message).not.toBe("QG_TENANT_INTERNAL");
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.column).toBeGreaterThanOrEqual(1);
    expect(d.message.length).toBeGreaterThan(0);
  }
  for (let i = 1; i < r.diagnostics.length; i++) {
    expect(compareDiagnostics(r.diagnostics[i - 1]!, r.diagnostics[i]!)).toBeLessThanOrEqual(0);
  }
  expect(r.state === undefined).toBe(r.diagnostics.some((d) => d.severity === "error"));
  return r;
}

/** Tokens that exercise the YAML grammar's corners. */
const yamlToken = fc.constantFrom(
  "a",
  "name",
  "spec",
  "robots",
  ":",
  ": ",
  " ",
  "  ",
  "\n",
  "\t",
  "- ",
  "-",
  "[",
  "]",
  "{",
  "}",
  ",",
  "&x ",
  "*x",
  "&y ",
  "*y",
  "!!str ",
  "!!binary ",
  "!t ",
  "? ",
  "|",
  ">-",
  "'",
  '"',
  "#",
  "---",
  "...",
  "%YAML 1.2",
  "<<",
  "~",
  "null",
  "1e400",
  "0x1F",
  "2027-01-31",
  "é",
  "\u0000",
  "\ud800",
  "\ufeff",
);

/** Random structures built from the names the schema knows, so deep paths are reached. */
const known = fc.constantFrom(
  "apiVersion",
  "kind",
  "metadata",
  "name",
  "spec",
  "organization",
  "quota",
  "limit",
  "warningAt",
  "users",
  "robots",
  "teams",
  "members",
  "user",
  "robot",
  "team",
  "role",
  "expires",
  "repositories",
  "permissions",
  "mirror",
  "from",
  "tags",
  "credentials",
  "passwordFrom",
  "env",
  "autoPrune",
  "keepTags",
  "olderThan",
  "proxyCache",
  "upstream",
  "defaultPermissions",
  "creator",
);
const leaf = fc.oneof(
  fc.constantFrom(
    "acme",
    "acme+ci",
    "ci",
    "x",
    "",
    "500 GiB",
    "80%",
    "24h",
    "2027-01-31",
    "quay.io/a/b",
    "write",
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string(),
);
const tree = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("node"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(known, fc.string()), tie("node"), { maxKeys: 5 }),
  ),
})).node;

// Hundreds of loads per property: give them time on a busy CI machine.
describe("the loader never throws", { timeout: 120_000 }, () => {
  it("on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (s) => {
        run(s);
      }),
      { numRuns: 300 },
    );
  });

  it("on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        run(b);
        run(registryYaml(), b);
      }),
      { numRuns: 300 },
    );
  });

  it("on YAML-ish token soup", () => {
    fc.assert(
      fc.property(fc.array(yamlToken, { maxLength: 60 }), (tokens) => {
        const text = tokens.join("");
        run(text);
        run(registryYaml(), text);
      }),
      { numRuns: 500 },
    );
  });

  it("on random structures under a tenant header", () => {
    fc.assert(
      fc.property(tree, (spec) => {
        run(stringify({ apiVersion: "quay-gitops/v1", kind: "Tenant", metadata: { name: "acme" }, spec }));
        run(stringify(spec));
      }),
      { numRuns: 300 },
    );
  });

  it("on the sample tenant and registry with random parts replaced, removed or renamed", () => {
    type Path = (string | number)[];
    const paths: Path[] = [];
    const collect = (v: unknown, p: Path) => {
      paths.push(p);
      if (Array.isArray(v)) {
        for (const [i, x] of v.entries()) collect(x, [...p, i]);
      } else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) collect(x, [...p, k]);
    };
    collect(sampleTenant, []);
    const mutation = fc.record({
      at: fc.constantFrom(...paths.filter((p) => p.length > 0)),
      op: fc.constantFrom("replace", "delete", "rename"),
      value: tree,
      name: fc.oneof(known, fc.string()),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const doc = structuredClone(sampleTenant) as Record<string, unknown>;
        for (const m of mutations) {
          let parent: unknown = doc;
          for (const seg of m.at.slice(0, -1))
            parent = (parent as Record<string, unknown> | undefined)?.[seg];
          if (!parent || typeof parent !== "object") continue;
          const key = m.at[m.at.length - 1]!;
          const p = parent as Record<string | number, unknown>;
          if (m.op === "replace") p[key] = m.value;
          else if (m.op === "delete") {
            if (Array.isArray(p)) p.splice(Number(key), 1);
            else delete p[key];
          } else if (!Array.isArray(p)) {
            p[m.name] = p[key];
            delete p[key];
          }
        }
        run(stringify(doc), sampleRegistry);
      }),
      { numRuns: 400 },
    );
  });

  it("the unmodified sample is valid in this harness (the mutations start from a valid file)", () => {
    const r = run(stringify(sampleTenant), sampleRegistry);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
});
