import { describe, expect, it } from "vitest";
import { type Diagnostic, render, summarize } from "../../../src/tenant";

const d = (over: Partial<Diagnostic>): Diagnostic => ({
  severity: "error",
  code: "QG_TENANT_SCHEMA",
  file: "tenants/a.yaml",
  line: 3,
  column: 5,
  message: "m",
  ...over,
});

describe("renderers", () => {
  it("github escapes %, CR and LF in messages and also : and , in properties", () => {
    const out = render(
      "github",
      [d({ file: "ten,ants/a:b.yaml", message: "100% sure\nnext\rline" })],
      summarize([], 1),
    );
    expect(out.split("\n")[0]).toBe(
      "::error file=ten%2Cants/a%3Ab.yaml,line=3,col=5,title=QG_TENANT_SCHEMA::100%25 sure%0Anext%0Dline",
    );
  });

  it("text pluralizes the summary", () => {
    const diags = [d({}), d({ severity: "warning" }), d({ severity: "notice" }), d({ severity: "notice" })];
    expect(render("text", diags, summarize(diags, 1)).split("\n").at(-2)).toBe(
      "invalid: 1 tenant file checked, 1 error, 1 warning, 2 notices",
    );
  });

  it("json round-trips", () => {
    const diags = [d({ severity: "warning" })];
    expect(JSON.parse(render("json", diags, summarize(diags, 2)))).toEqual({
      valid: true,
      summary: { errors: 0, warnings: 1, notices: 0, tenants: 2, valid: true },
      diagnostics: diags,
    });
  });
});
