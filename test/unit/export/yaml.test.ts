import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { flowMap, map, scalar, seq, stringify } from "../../../src/export/yaml";
import { parseFastYaml } from "../../../src/tenant/fast-yaml";

const read = (text: string): unknown => parseYaml(text);

describe("export YAML writer", () => {
  it("reads back every string as written, in block and in flow position", () => {
    const text = fc.oneof(
      fc.string(),
      fc.stringMatching(/^[a-z0-9 :#,.@/+()*?[\]{}'"!%&|>-]{0,12}$/),
      fc.constantFrom(
        "yes",
        "no",
        "on",
        "off",
        "null",
        "~",
        "true",
        "0x1f",
        "1e3",
        ".inf",
        "2027-01-31",
        "12:30",
        "-",
        "- a",
        "a: b",
        "a #b",
        "  a",
      ),
    );
    fc.assert(
      fc.property(text, (s) => {
        const doc = map()
          .add("k", s)
          .add("list", seq([s, "x"]))
          .add("m", flowMap().add("v", s));
        expect(read(stringify(doc))).toEqual({ k: s, list: [s, "x"], m: { v: s } });
      }),
      { numRuns: 2000 },
    );
  });

  it("writes plain scalars where the samples do, and quotes the rest", () => {
    expect(scalar("acme-alice")).toBe("acme-alice");
    expect(scalar("http://proxy.lab.example:3128")).toBe("http://proxy.lab.example:3128");
    expect(scalar("9.*")).toBe('"9.*"');
    expect(scalar("^pr-")).toBe('"^pr-"');
    expect(scalar("yes")).toBe('"yes"');
    expect(scalar("80%")).toBe("80%");
    expect(scalar("a, b")).toBe("a, b");
    expect(scalar("a, b", true)).toBe('"a, b"');
  });

  it("is read by the tenant loader's fast path exactly as by the yaml package", () => {
    const doc = map()
      .add(
        "a",
        seq([
          map()
            .add("name", "x")
            .add("tags", seq(["9.*", "latest"])),
        ]),
        { comments: ["c"] },
      )
      .add("p", flowMap().add("env", "NAME"), { trailing: "t" });
    const text = stringify(doc, ["header"]);
    expect(text).toBe('# header\n# c\na:\n  - name: x\n    tags: ["9.*", latest]\np: { env: NAME }  # t\n');
    expect(parseFastYaml(text)?.value).toEqual(read(text));
  });
});
