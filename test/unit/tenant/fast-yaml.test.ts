/**
 * The fast path (src/tenant/fast-yaml.ts, js-yaml) must never disagree with the `yaml` package, the
 * loader's reference parser: for every text it accepts, the reference finds no error or warning and
 * produces the same value. Checked on the samples and fixtures (where it must also be the path taken,
 * or it would not speed anything up), on the bad-tenant corpus, on each construct it must decline, and
 * on generated and mutated documents, broken ones included.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineCounter, parseAllDocuments, type ToStringOptions, stringify } from "yaml";
import { DiagnosticBag } from "../../../src/tenant/diagnostics";
import { parseFastYaml } from "../../../src/tenant/fast-yaml";
import { parseYaml } from "../../../src/tenant/yaml";
import { lines, load } from "./helpers";

const ROOT = path.resolve(__dirname, "../../..");

/** The reference parser's value, or "invalid" when it reports any error or warning. */
function reference(text: string): { value: unknown } | "invalid" {
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

/** How many texts the fast path accepted: a property that only ever sees declines proves nothing. */
let accepted = 0;

/** The property: the fast path declines, or agrees exactly with the reference. */
function agrees(text: string): boolean {
  const fast = parseFastYaml(text);
  if (fast === undefined) return true;
  accepted++;
  const ref = reference(text);
  expect(ref, text).not.toBe("invalid");
  expect(fast.value, text).toStrictEqual((ref as { value: unknown }).value);
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

// Thousands of reference parses: give them time on a busy CI machine.
describe("js-yaml fast path", { timeout: 120_000 }, () => {
  it("reads every sample, the local registry file and every generated tenant, exactly as the yaml package does", () => {
    const files = [
      ...yamlFiles(path.join(ROOT, "tenants")),
      path.join(ROOT, "stacks/local.registry.yaml"),
      ...yamlFiles(path.join(ROOT, "test/fixtures/tenants-200")),
    ];
    expect(files.length).toBeGreaterThan(200);
    let declined = 0;
    for (const f of files) {
      const text = fs.readFileSync(f, "utf8");
      // globex.yaml shares a permission list through an alias: the reference's job.
      if (/ \*[a-z]/.test(text)) declined++;
      else expect(parseFastYaml(text), f).toBeDefined();
      agrees(text);
    }
    expect(declined).toBe(1);
  });

  it("declines or agrees on every bad-tenant case and corpus context file", () => {
    for (const f of yamlFiles(path.join(ROOT, "test/fixtures/bad-tenants")))
      agrees(fs.readFileSync(f, "latin1"));
  });

  it.each([
    // What the reference refuses; js-yaml refuses it too.
    ["duplicate keys", "a: 1\na: 2\n"],
    ["duplicate flow keys", "a: { b: 1, b: 2 }\n"],
    ["keys equal as numbers", "1: a\n01: b\n"],
    ["two documents", "a: 1\n---\nb: 2\n"],
    ["a bad escape", 'a: "\\q"\n'],
    ["bad indentation", "a:\n    b: 1\n  c: 2\n"],
    ["tabs as indentation", "a:\n\tb: 1\n"],
    ["a colon-space in a plain scalar", "a: b: c\n"],
    ["an empty flow entry", "a: [1, , 2]\n"],
    // What js-yaml would read differently, or accept where the reference refuses.
    ["aliases", "a: &x [1]\nb: *x\n"],
    ["an alias as a key", "a: &x k\n*x : 1\n"],
    ["anchors", "a: &x [1]\n"],
    ["an anchor run into a flow collection", "a: &x{ b: 1 }\n"],
    ["a merge key with an alias", "x: &x { a: 1 }\ny:\n  <<: *x\n"],
    ["tags", "a: !!str 1\n"],
    ["local tags", "a: !custom 1\n"],
    ["the non-specific tag", "a: ! 12\n"],
    ["a %YAML 1.1 directive", "%YAML 1.1\n---\na: yes\n"],
    ["a %YAML 1.2 directive", "%YAML 1.2\n---\na: 1\n"],
    ["an explicit key", "? a\n: 1\n"],
    ["a flow sequence as a key", "[a]: 1\n"],
    ["a flow mapping as a key in a flow mapping", "b: { {a: 1}: 2 }\n"],
    ["a null key", "~: 1\n"],
    ["a null key spelled null", "null: 1\n"],
    ["a nested null key", "a:\n  - NULL: 1\n"],
    ["the key null even when quoted (the reference reads it alike, but one rule is simpler)", '"null": 1\n'],
    ["a flow sequence over two lines at the parent's indentation", "a: [b,\nc]\n"],
    ["a flow mapping over two lines", "a: { b: 1,\n  c: 2 }\n"],
    ["an empty flow sequence over two lines", "a: [\n]\n"],
    ["a double-quoted scalar over two lines", 'a: "x\ny"\n'],
    ["a single-quoted scalar over two lines", "- 'x\n  y'\n"],
    ["a plain scalar over two lines", "a: x\n  y\n"],
    ["a key over 1024 characters", `${"k".repeat(1025)}: 1\n`],
    ["any line over 1024 characters", `a: ${"x ".repeat(600)}\n`],
    ["a lone CR", "a: 1\rb: 2\r"],
    ["a comment right after a flow collection", "a: [1]#c\n"],
    ["a comment right after a quoted scalar", "a: 'x'#c\n"],
    ["a document marker run into a comment", "---#c\na: 1\n"],
    ["an empty sequence entry (js-yaml reads the next, dedented entry into its sequence)", "- - \n- b\n"],
    ["an empty sequence entry before a comment", "r:\n  - p:\n      - # c\n  - n: b\n"],
    ["an entry whose node starts on the next line", "-\n  b: 1\n"],
    ["a block scalar with an indentation indicator", "a: >2\n    \n"],
    ["a block scalar with a line of spaces", "- |\n    \n  # c\n"],
    ["a tab in a block scalar's indentation", "a: |\n\tx\n"],
    ["content after a document marker", "---  a:\n"],
    ["an empty document", "# nothing\n"],
    ["an empty text", ""],
    ["a top-level scalar", "hello\n"],
    ["a top-level null", "null\n"],
    ["nesting deeper than 100", `a: ${"[".repeat(120)}${"]".repeat(120)}\n`],
  ])("declines %s", (_name, text) => {
    expect(parseFastYaml(text)).toBeUndefined();
  });

  it.each([
    ["block scalars", "a: |\n  x\n  y\nb: >-\n  p\n  q\n\nc: |+\n  z\n\nd: >\n  folded\n  text\n"],
    ["escapes", 'a: ["\\/", "\\e", "\\x41", "\\u00e9", "\\U0001F600", "\\t", "\\N", "\\_"]\n'],
    ["quoted keys", "'a b': 1\n\"c\\td\": 2\n"],
    ["numeric and boolean keys", "1: a\n2.5: b\n0x10: c\ntrue: d\n"],
    ["numbers of the core schema", "a: [0o17, 0x1F, +12, -3, 012, 1e3, .5, -.5, +.5, 1., .inf, -.Inf]\n"],
    ["numbers only other schemas have", "a: [0b101, -0x1F, +0x1F, -0o17, 1_000, 0o8]\n"],
    [
      "YAML 1.1 booleans and timestamps, which are strings in 1.2",
      "a: [yes, no, on, Off, y, 2027-01-31, 12:30:00]\n",
    ],
    ["merge keys, an ordinary key with merge keys off", "a:\n  <<: { b: 1 }\n  c: 2\n"],
    ["CRLF line ends", "a: 1\r\nb: [x, y]\r\n"],
    ["a tab after a colon and in flow", "a:\t1\nb: [1,\t2]\n"],
    ["indicators inside scalars", "a: 80%\nb: 9.*\nc: b#c\nd: http://x:8/p?q=1\ne: '*'\nf: a*b\n"],
    ["comments", "# head\na: 1 # tail\n# foot\n"],
    ["document markers", "---\na: 1\n...\n"],
    ["a top-level sequence", "- a\n- b: [1, { c: d }]\n"],
    ["__proto__ as an ordinary key", "__proto__: 1\nb: { __proto__: 2 }\n"],
  ])("reads %s", (_name, text) => {
    accepted = 0;
    agrees(text);
    expect(accepted).toBe(1);
  });

  it("reads tenant-style YAML", () => {
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
- - nested
m:
    n: o
p: yes
q: a#b
r:
  { s: t, u: [v] }
t: 1.5
`;
    expect(parseFastYaml(text)?.value).toStrictEqual({
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
      t: 1.5,
    });
    agrees(text);
  });

  it("declines aliases because the reference's expansion limit is not a node count: seven chained single aliases exceed it", () => {
    const chain = (n: number) =>
      ["a0: &a0 [x]", ...Array.from({ length: n }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}]`)].join("\n");
    expect(reference(chain(6))).not.toBe("invalid");
    expect(reference(chain(7))).toBe("invalid");
    const bag = new DiagnosticBag();
    expect(parseYaml("f.yaml", chain(7), bag)).toBeUndefined();
    expect(bag.sorted().map((d) => d.code)).toEqual(["QG_TENANT_ALIAS"]);
  });

  it("errors still name file:line:col: a duplicate key and a broken flow go to the reference", () => {
    const r = load({
      acme: "robots:\n  - name: ci\n    name: cd\n",
      globex: "robots: [{ name: ci }\n",
    });
    expect(lines(r)).toEqual([
      'QG_TENANT_DUPLICATE_KEY tenants/acme.yaml:8:7 duplicate key "name" (first at line 7); each key may appear only once in a mapping',
      "QG_TENANT_YAML tenants/globex.yaml:7:1 YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  it("a member's `expires: 2027-01-31` is a date string, kept until its day has passed", () => {
    const spec =
      "users: [{ name: acme-bob }]\nteams:\n  - name: devs\n    members:\n      - user: acme-bob\n        expires: 2027-01-31\n";
    expect(parseFastYaml(`expires: 2027-01-31\n`)?.value).toEqual({ expires: "2027-01-31" });
    const before = load({ acme: spec }, { now: new Date("2027-01-31T23:59:59Z") });
    const devs = before.state?.tenants[0]?.teams.find((t) => t.name === "devs");
    expect(devs?.members).toEqual([{ kind: "user", name: "acme-bob" }]);
    const after = load({ acme: spec }, { now: new Date("2027-02-01T00:00:00Z") });
    expect(after.state?.tenants[0]?.teams.find((t) => t.name === "devs")?.members).toEqual([]);
    expect(lines(after, "notice")).toEqual([
      "QG_TENANT_EXPIRED tenants/acme.yaml:11:20 spec.teams[0].members[0].expires: acme-bob (member of team devs) expired on 2027-01-31 and is dropped; remove the entry from the file",
    ]);
  });

  const scalar = fc.oneof(
    fc.constantFrom(
      "acme",
      "acme+ci",
      "9.*",
      "2027-01-31",
      "2027-01-31T10:00:00Z",
      "12:30:00",
      "a: b",
      "#x",
      "x #y",
      "a#b",
      " lead",
      "trail ",
      "yes",
      "no",
      "on",
      "null",
      "Null",
      "~",
      "true",
      "False",
      "-1",
      "-0",
      "012",
      "1e3",
      ".5",
      "-.5",
      "+.5",
      "1.",
      ".inf",
      "-.Inf",
      ".NaN",
      "0x1F",
      "-0x1F",
      "0o17",
      "0o8",
      "0b101",
      "1_000",
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
      "<<",
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
      "01",
      "0x1",
      "true",
      "null",
      "~",
      "a b",
      "a:b",
      "é",
      "__proto__",
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
    { defaultStringType: "BLOCK_LITERAL" },
    { defaultStringType: "BLOCK_FOLDED" },
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
      { numRuns: Number(process.env.FAST_YAML_RUNS ?? 2000) },
    );
    expect(accepted).toBeGreaterThan(400);
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
        "2027-01-31",
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
      { numRuns: Number(process.env.FAST_YAML_RUNS ?? 2000) },
    );
    expect(accepted).toBeGreaterThan(1000);
  });

  it("agrees with the yaml package on documents built line by line (indentation, entries, block scalars)", () => {
    accepted = 0;
    const value = fc.constantFrom(
      ...["a", "b c", "1", "-1", "0x1F", "1.5", ".5", "true", "null", "~", "yes", "2027-01-31", "9.*", "80%"],
      ...["'q'", '"d"', "'it''s'", '"x\\ty"', "''", '""', "http://x:1", "a#b", "a # c", "x:y", "-x"],
      ...["[]", "{}", "[a, b]", "{ k: v }", "[a, {k: v}]", "{a: [1, 2]}", "[ 'a', \"b\" ]"],
      ...["|", ">", "|-", "|+", ">2", ""],
    );
    const key = fc.constantFrom("a", "b", "c", "name", "a b", "'k'", '"k"', "1", "true", "x.y", "<<", "k-1");
    const content = fc.oneof(
      fc.tuple(key, value).map(([k, v]) => `${k}: ${v}`),
      key.map((k) => `${k}:`),
      value.map((v) => `- ${v}`),
      fc.tuple(key, value).map(([k, v]) => `- ${k}: ${v}`),
      key.map((k) => `- ${k}:`),
      value.map((v) => `  ${v}`),
      fc.constantFrom("# c", "", "- - a", "---", "...", "text line", "  more text"),
    );
    const line = fc.tuple(fc.integer({ min: 0, max: 4 }), content).map(([n, l]) => " ".repeat(2 * n) + l);
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 10 }), (ls) => agrees(`${ls.join("\n")}\n`)),
      { numRuns: Number(process.env.FAST_YAML_RUNS ?? 5000) },
    );
    expect(accepted).toBeGreaterThan(300);
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
        "\t",
        "\n",
        "\r",
        ":",
        ": ",
        "-",
        "- ",
        "#",
        " #",
        "'",
        '"',
        "\\",
        "\n- ",
        "\n  -",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&a",
        "&a{",
        "*a",
        "!",
        "|",
        ">",
        "?",
        "? ",
        "%",
        "~",
        "x",
        "1",
        "---",
        "...",
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
      { numRuns: Number(process.env.FAST_YAML_RUNS ?? 3000) },
    );
    expect(accepted).toBeGreaterThan(600);
  });
});
