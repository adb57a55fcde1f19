/**
 * The fast reader (src/tenant/simple-yaml.ts) must never disagree with the `yaml` package: for every
 * text it accepts, the full parser finds no error and produces the same value. Checked on the
 * samples and fixtures (where it must also be the path taken, or it would not speed anything up)
 * and on generated documents in many styles, broken ones included.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineCounter, parseAllDocuments, type ToStringOptions, stringify } from "yaml";
import { parseSimpleYaml } from "../../../src/tenant/simple-yaml";

const ROOT = path.resolve(__dirname, "../../..");

/** The full parser's value, or "invalid" when it reports any error or warning. */
function full(text: string): { value: unknown } | "invalid" {
  const docs = parseAllDocuments(text, {
    lineCounter: new LineCounter(),
    prettyErrors: false,
    uniqueKeys: true,
    version: "1.2",
    merge: false,
  });
  if (docs.length !== 1) return "invalid";
  const doc = docs[0]!;
  if (doc.errors.length > 0 || doc.warnings.length > 0) return "invalid";
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) };
  } catch {
    return "invalid";
  }
}

/** How many texts the fast reader accepted: a property that only ever sees declines proves nothing. */
let accepted = 0;

/** The property: the fast reader declines, or agrees exactly with the full parser. */
function agrees(text: string): boolean {
  const fast = parseSimpleYaml(text);
  if (fast === undefined) return true;
  accepted++;
  const reference = full(text);
  expect(reference, text).not.toBe("invalid");
  expect(fast.value, text).toStrictEqual((reference as { value: unknown }).value);
  return true;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(p));
    else if (entry.name.endsWith(".yaml")) out.push(p);
  }
  return out;
}

// Thousands of full parses: give them time on a busy CI machine.
describe("simple-yaml fast path", { timeout: 120_000 }, () => {
  it("reads every sample, the local registry file and every generated tenant, exactly as the yaml package does", () => {
    const files = [
      ...yamlFiles(path.join(ROOT, "tenants")),
      path.join(ROOT, "stacks/local.registry.yaml"),
      ...yamlFiles(path.join(ROOT, "test/fixtures/tenants-200")),
    ];
    expect(files.length).toBeGreaterThan(200);
    for (const f of files) {
      const text = fs.readFileSync(f, "utf8");
      // globex.yaml shares a permission list through an anchor: the full parser's job.
      if (!/ &[a-z]/.test(text)) expect(parseSimpleYaml(text), f).toBeDefined();
      agrees(text);
    }
  });

  it("declines or agrees on every bad-tenant case and corpus context file", () => {
    for (const f of yamlFiles(path.join(ROOT, "test/fixtures/bad-tenants")))
      agrees(fs.readFileSync(f, "latin1"));
  });

  it.each([
    ["anchors and aliases", "a: &x [1]\nb: *x\n"],
    ["tags", "a: !!str 1\n"],
    ["block scalars", "a: |\n  text\n"],
    ["multi-line plain scalars", "a: one\n  two\n"],
    ["multi-line flow", "a: [1,\n  2]\n"],
    ["escapes", 'a: "x\\ny"\n'],
    ["quoted keys", '"a": 1\n'],
    ["numeric keys", "1: a\n"],
    ["duplicate keys", "a: 1\na: 2\n"],
    ["duplicate flow keys", "a: { b: 1, b: 2 }\n"],
    ["tabs", "a:\t1\n"],
    ["CRLF", "a: 1\r\n"],
    ["two documents", "a: 1\n---\nb: 2\n"],
    ["directives", "%YAML 1.2\n---\na: 1\n"],
    ["floats", "a: 1.5\n"],
    ["octal", "a: 0o17\n"],
    ["leading zeros", "a: 012\n"],
    ["plus sign", "a: +1\n"],
    ["nested compact sequences", "- - a\n"],
    ["a colon-space in a plain scalar", "a: b: c\n"],
    ["an empty document", "# nothing\n"],
    ["a top-level scalar", "hello\n"],
    ["indented top level", "  a: 1\n"],
    ["bad indentation", "a:\n    b: 1\n  c: 2\n"],
    ["__proto__", "__proto__: 1\n"],
  ])("declines %s", (_name, text) => {
    expect(parseSimpleYaml(text)).toBeUndefined();
  });

  it("reads the subset", () => {
    const text = `---
# comment
a: 1
b: -2
c: true
d: ~
e:
f: "q # not a comment"
g: 'it''s'
h: [x, "y", 'z', 9.*, 2027-01-31, { env: X }, [], {}]
i: http://proxy.lab:3128 # comment
j:
- 1
- k: v
  l: [a]
-
  - nested
m:
    n: o
p: yes
q: a#b
r:
  { s: t, u: [v] }
`;
    expect(parseSimpleYaml(text)?.value).toStrictEqual({
      a: 1,
      b: -2,
      c: true,
      d: null,
      e: null,
      f: "q # not a comment",
      g: "it's",
      h: ["x", "y", "z", "9.*", "2027-01-31", { env: "X" }, [], {}],
      i: "http://proxy.lab:3128",
      j: [1, { k: "v", l: ["a"] }, ["nested"]],
      m: { n: "o" },
      p: "yes",
      q: "a#b",
      r: { s: "t", u: ["v"] },
    });
    agrees(text);
  });

  const scalar = fc.oneof(
    fc.constantFrom(
      "acme",
      "acme+ci",
      "9.*",
      "2027-01-31",
      "a: b",
      "#x",
      "x #y",
      "a#b",
      " lead",
      "trail ",
      "yes",
      "no",
      "null",
      "~",
      "true",
      "-1",
      "012",
      "1e3",
      ".5",
      "0x1F",
      "0o17",
      "+1",
      "",
      "http://proxy.lab:3128",
      "[x]",
      "{y}",
      "'q'",
      '"d"',
      "it's",
      "é ü",
      "- item",
      "? q",
      ": c",
      "-x",
      "?x",
      ":x",
      "a,b",
      "500 GiB",
      "80%",
      "^pr-",
      "\\d+",
      "@at",
      "`tick",
      "!bang",
      "&amp",
      "*star",
      "|pipe",
      ">gt",
      "%pct",
    ),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 12 }),
  );
  const key = fc.oneof(
    fc.constantFrom(
      "name",
      "role",
      "spec",
      "a-b",
      "a.b",
      "a_b",
      "$s",
      "<<",
      "1",
      "true",
      "null",
      "a b",
      "a:b",
      "é",
    ),
    fc.string({ maxLength: 6 }),
  );
  const tree = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      scalar,
      fc.array(tie("node"), { maxLength: 4 }),
      fc.dictionary(key, tie("node"), { maxKeys: 4 }),
    ),
  })).node;
  const styles: ToStringOptions[] = [
    {},
    { indentSeq: false },
    { indent: 4 },
    { collectionStyle: "flow" },
    { flowCollectionPadding: false, collectionStyle: "flow" },
    { defaultStringType: "QUOTE_SINGLE" },
    { defaultStringType: "QUOTE_DOUBLE" },
    { defaultKeyType: "PLAIN", defaultStringType: "PLAIN" },
    { lineWidth: 20, minContentWidth: 5 },
  ];

  it("agrees with the yaml package on generated documents in many styles", () => {
    accepted = 0;
    fc.assert(
      fc.property(
        fc.dictionary(key, tree, { minKeys: 1, maxKeys: 5 }),
        fc.constantFrom(...styles),
        (doc, style) => {
          let text: string;
          try {
            text = stringify(doc, style);
          } catch {
            return true;
          }
          return agrees(text);
        },
      ),
      { numRuns: 2000 },
    );
    // Most of these have floats or odd strings that need escapes: declined, which is right too.
    expect(accepted).toBeGreaterThan(40);
  });

  it("agrees with the yaml package on generated documents shaped like tenant files", () => {
    accepted = 0;
    const word = fc.stringMatching(/^[a-z][a-z0-9.+/:@-]{0,12}$/);
    const plainish = fc.oneof(
      word,
      fc.integer({ min: -1000, max: 100000 }),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(
        "9.*",
        "500 GiB",
        "80%",
        "^pr-",
        "it's",
        "a b c",
        "Acme's images",
        "http://proxy.lab:3128",
      ),
    );
    const plainTree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        plainish,
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(fc.stringMatching(/^[a-z][A-Za-z0-9-]{0,8}$/), tie("node"), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[a-z][A-Za-z0-9]{0,8}$/), plainTree, { minKeys: 1, maxKeys: 5 }),
        fc.constantFrom(...styles),
        (doc, style) => agrees(stringify(doc, style)),
      ),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(500);
  });

  it("agrees with the yaml package on mutated sample files (broken indentation, stray characters)", () => {
    accepted = 0;
    const samples = yamlFiles(path.join(ROOT, "tenants")).map((f) => fs.readFileSync(f, "utf8"));
    const mutation = fc.record({
      sample: fc.nat(samples.length - 1),
      at: fc.nat(),
      op: fc.constantFrom("insert", "delete", "replace"),
      ch: fc.constantFrom(
        " ",
        "  ",
        "\n",
        ":",
        ": ",
        "-",
        "- ",
        "#",
        " #",
        "'",
        '"',
        "[",
        "]",
        "{",
        "}",
        ",",
        "&a",
        "*a",
        "!",
        "|",
        ">",
        "?",
        "x",
        "1",
        "---",
      ),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        let text = samples[mutations[0]!.sample]!;
        for (const m of mutations) {
          const at = m.at % (text.length + 1);
          if (m.op === "insert") text = text.slice(0, at) + m.ch + text.slice(at);
          else if (m.op === "delete") text = text.slice(0, at) + text.slice(at + m.ch.length);
          else text = text.slice(0, at) + m.ch + text.slice(at + m.ch.length);
        }
        return agrees(text);
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(600);
  });
});
