import { describe, expect, it } from "vitest";
import { type Diagnostic, loadDesiredStateFromFiles } from "../../../src/tenant";
import { CORPUS_REGISTRY_PATH, corpusCases, corpusTree } from "./corpus";

const cases = corpusCases();
const NOW = new Date("2026-06-01T00:00:00Z");

describe("bad tenant corpus", () => {
  it("has at least 40 cases, each with expectations", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const c of cases) expect(c.expects.length, c.name).toBeGreaterThan(0);
  });

  it("context alone is valid", () => {
    const files = corpusTree(cases[0]!);
    files.delete(cases[0]!.path);
    const result = loadDesiredStateFromFiles({ files, registryFile: CORPUS_REGISTRY_PATH, now: NOW });
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.state?.tenants.map((t) => t.name)).toEqual(["acme", "globex"]);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const result = loadDesiredStateFromFiles({
      files: corpusTree(c),
      registryFile: CORPUS_REGISTRY_PATH,
      now: NOW,
    });
    expect(result.state).toBeUndefined();
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    const unmatched = [...errors];
    const missing: string[] = [];
    for (const e of c.expects) {
      const i = unmatched.findIndex(
        (d) =>
          d.file === e.file &&
          d.line === e.line &&
          d.column === e.column &&
          d.code === e.code &&
          d.message.includes(e.fragment),
      );
      if (i < 0) missing.push(`${e.file}:${e.line}:${e.column} ${e.code} ${e.fragment}`);
      else unmatched.splice(i, 1);
    }
    expect({ missing, unexpected: unmatched.map(show) }).toEqual({ missing: [], unexpected: [] });
  });
});

function show(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`;
}
