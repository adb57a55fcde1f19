import { describe, expect, it } from "vitest";
import { DiagnosticBag } from "../../../src/tenant/diagnostics";
import {
  decodeSource,
  firstInvalidUtf8,
  MAX_FILE_BYTES,
  parseYaml,
  positionOf,
} from "../../../src/tenant/yaml";
import { codes, lines, load } from "./helpers";

function decode(content: string | Uint8Array) {
  const bag = new DiagnosticBag();
  const text = decodeSource("f.yaml", content, bag);
  return { text, diagnostics: bag.sorted() };
}

function parse(text: string) {
  const bag = new DiagnosticBag();
  const file = parseYaml("f.yaml", text, bag);
  return { file, diagnostics: bag.sorted() };
}

describe("decodeSource", () => {
  it("refuses files over 1 MiB, as bytes and as text, and accepts exactly 1 MiB", () => {
    const ok = Buffer.alloc(MAX_FILE_BYTES, 0x20);
    expect(decode(ok).diagnostics).toEqual([]);
    const big = Buffer.alloc(MAX_FILE_BYTES + 1, 0x20);
    expect(decode(big).diagnostics.map((d) => d.code)).toEqual(["QG_TENANT_FILE_TOO_LARGE"]);
    expect(decode(big.toString()).diagnostics[0]?.message).toMatch(/larger than 1 MiB/);
    // Multi-byte characters count as bytes, not characters.
    expect(decode("é".repeat(MAX_FILE_BYTES / 2 + 1)).diagnostics[0]?.code).toBe("QG_TENANT_FILE_TOO_LARGE");
  });

  it("a generated tenant file over 1 MiB is rejected by the loader with a clear message", () => {
    const padding = `#${"x".repeat(120)}\n`.repeat(Math.ceil(MAX_FILE_BYTES / 122) + 10);
    const content = `${padding}apiVersion: quay-gitops/v1\n`;
    const r = load({}, { extra: { "tenants/big.yaml": content } });
    expect(lines(r)).toEqual([
      `QG_TENANT_FILE_TOO_LARGE tenants/big.yaml:1:1 the file is larger than 1 MiB (${content.length} bytes), the limit for tenant and registry files (1048576 bytes); split the tenant or remove content`,
    ]);
  });

  it("points at the first invalid UTF-8 byte", () => {
    const bytes = Buffer.concat([Buffer.from("a: 1\nb: caf"), Buffer.from([0xe9]), Buffer.from(" x\n")]);
    const d = decode(bytes).diagnostics;
    expect(d).toMatchObject([{ code: "QG_TENANT_ENCODING", line: 2, column: 7 }]);
    expect(d[0]?.message).toContain("byte 0xe9 at offset 11");
  });

  it("strips a UTF-8 byte order mark and refuses UTF-16", () => {
    expect(decode(Buffer.from("\ufeffa: 1\n")).text).toBe("a: 1\n");
    expect(decode("\ufeffa: 1\n").text).toBe("a: 1\n");
    expect(decode(Buffer.from("\ufeffa: 1\n", "utf16le")).diagnostics[0]?.message).toContain("UTF-16");
  });

  it("refuses control characters and lone surrogates with their position", () => {
    expect(decode("a: 1\nb: \u001b[31mred\n").diagnostics).toMatchObject([
      { code: "QG_TENANT_ENCODING", line: 2, column: 4, message: expect.stringContaining("U+001B") },
    ]);
    expect(decode("a: \ud800\n").diagnostics).toMatchObject([
      { code: "QG_TENANT_ENCODING", line: 1, column: 4 },
    ]);
    expect(decode("a:\tb\r\nc: \u0085 \u00a0 😀\n").diagnostics).toEqual([]);
  });
});

describe("firstInvalidUtf8", () => {
  it.each([
    ["valid ASCII and multi-byte", Buffer.from("aé€😀"), -1],
    ["overlong slash", Buffer.from([0x61, 0xc0, 0xaf]), 1],
    ["overlong 3-byte", Buffer.from([0xe0, 0x80, 0xaf]), 0],
    ["UTF-16 surrogate encoded", Buffer.from([0xed, 0xa0, 0x80]), 0],
    ["above U+10FFFF", Buffer.from([0xf4, 0x90, 0x80, 0x80]), 0],
    ["truncated at the end", Buffer.from([0x61, 0x62, 0xe2, 0x82]), 2],
    ["lone continuation byte", Buffer.from([0x80]), 0],
    ["0xff", Buffer.from([0x61, 0xff]), 1],
  ])("%s", (_name, bytes, offset) => {
    expect(firstInvalidUtf8(bytes)).toBe(offset);
    expect(Buffer.from(bytes).toString("utf8").includes("\ufffd")).toBe(offset !== -1);
  });
});

describe("parseYaml", () => {
  it("reports a duplicate key at the second occurrence, naming the first line", () => {
    expect(parse("a: 1\nb:\n  c: 1\n  c: 2\n").diagnostics).toMatchObject([
      {
        code: "QG_TENANT_DUPLICATE_KEY",
        line: 4,
        column: 3,
        message: 'duplicate key "c" (first at line 3); each key may appear only once in a mapping',
      },
    ]);
  });

  it("reports every duplicate key but only the first syntax error of a document", () => {
    const d = parse("a: 1\na: 2\nb: 1\nb: 2\nc: [1\nd: ]\n").diagnostics;
    expect(d.map((x) => `${x.code} ${x.line}`)).toEqual([
      "QG_TENANT_DUPLICATE_KEY 2",
      "QG_TENANT_DUPLICATE_KEY 4",
      "QG_TENANT_YAML 6",
    ]);
  });

  it("refuses several documents and points at the second", () => {
    expect(parse("a: 1\n---\nb: 2\n---\nc: 3\n").diagnostics).toMatchObject([
      { code: "QG_TENANT_MULTIPLE_DOCUMENTS", line: 2, message: expect.stringContaining("3 YAML documents") },
    ]);
  });

  it("accepts a leading --- and a document end marker", () => {
    expect(parse("---\na: 1\n...\n").diagnostics).toEqual([]);
  });

  it("reads YAML 1.2: yes/no/on are strings, dates are strings, 0o17 is octal", () => {
    expect(parse("a: yes\nb: off\nc: 2027-01-31\nd: 0o17\ne: 012\n").file?.value).toEqual({
      a: "yes",
      b: "off",
      c: "2027-01-31",
      d: 15,
      e: 12,
    });
  });

  it("allows moderate aliases and refuses a billion laughs", () => {
    expect(parse("a: &x [1, 2]\nb: *x\nc: *x\n").file?.value).toEqual({ a: [1, 2], b: [1, 2], c: [1, 2] });
    const laughs = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
    ].join("\n");
    expect(parse(laughs).diagnostics).toMatchObject([{ code: "QG_TENANT_ALIAS", line: 2, column: 8 }]);
  });

  it("refuses an alias to an unknown anchor", () => {
    expect(parse("a: 1\nb: *nope\n").diagnostics).toMatchObject([
      { code: "QG_TENANT_YAML", line: 2, column: 4, message: expect.stringContaining("Unresolved alias") },
    ]);
  });

  it("refuses custom and non-core tags but accepts explicit core tags", () => {
    expect(parse("a: !!set {x}\n").diagnostics[0]?.message).toContain("!!set");
    expect(parse("a: !custom x\n").diagnostics.map((d) => d.code)).toEqual(["QG_TENANT_YAML"]);
    expect(parse("a: !!str 5\nb: !!int '7'\n").file?.value).toEqual({ a: "5", b: 7 });
  });

  it("an empty file or a file of comments holds no document", () => {
    expect(parse("").diagnostics.map((d) => d.code)).toEqual(["QG_TENANT_EMPTY"]);
    expect(parse("# just a comment\n").diagnostics.map((d) => d.code)).toEqual(["QG_TENANT_EMPTY"]);
  });
});

describe("Locator", () => {
  const text = `# comment
a:
  b:
    - name: x
    - name: y
      list: [1, 2]
  empty:
shared: &s
  k: v
ref: *s
`;
  const f = parse(text).file!;
  it.each([
    [["a"], "value", 3, 3],
    [["a"], "key", 2, 1],
    [["a", "b", 1, "name"], "value", 5, 13],
    [["a", "b", 1, "name"], "key", 5, 7],
    [["a", "b", 1, "list", 1], "value", 6, 17],
    [["a", "empty"], "value", 7, 3],
    [["ref", "k"], "value", 9, 6],
    [["a", "b", 7], "value", 3, 3],
    [["a", "missing", "deeper"], "value", 2, 1],
    [[], "value", 2, 1],
  ] as const)("%j (%s) → %d:%d", (path, target, line, column) => {
    expect(f.locator.at(path, target)).toEqual({ line, column });
  });
});

describe("positionOf", () => {
  it("counts lines and UTF-16 columns", () => {
    expect(positionOf("ab\ncd", 4)).toEqual({ line: 2, column: 2 });
    expect(positionOf("😀x", 2)).toEqual({ line: 1, column: 3 });
  });
});

describe("loader level", () => {
  it("a YAML error in one file does not hide the other files' errors", () => {
    const r = load({ acme: "robots: [", globex: "robots: [{ name: Bad }]" });
    expect(codes(r)).toEqual(["QG_TENANT_YAML", "QG_TENANT_NAME"]);
  });
});
