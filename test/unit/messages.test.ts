import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/engine/env";

// What users read (errors, warnings, help, summaries) comes from string literals in src/ and
// providers/: they must not send anyone to a file the repository does not have, and the
// docs/quay-api.md sections they point to must exist.

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(projectRoot, dir), { withFileTypes: true, recursive: true })
    .flatMap((e) => (e.isFile() && e.name.endsWith(".ts") ? [path.join(e.parentPath, e.name)] : []));
}

/** Every string literal and template text of a file, with its line. */
function literals(file: string): { line: number; text: string }[] {
  const src = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: { line: number; text: string }[] = [];
  const visit = (n: ts.Node): void => {
    if (
      ts.isStringLiteral(n) ||
      ts.isNoSubstitutionTemplateLiteral(n) ||
      ts.isTemplateHead(n) ||
      ts.isTemplateMiddle(n) ||
      ts.isTemplateTail(n)
    )
      found.push({ line: src.getLineAndCharacterOfPosition(n.getStart()).line + 1, text: n.text });
    ts.forEachChild(n, visit);
  };
  visit(src);
  return found;
}

/** GitHub's anchors of a Markdown file's headings. */
function anchors(doc: string): Set<string> {
  const text = fs.readFileSync(path.join(projectRoot, doc), "utf8");
  return new Set(
    [...text.matchAll(/^#+\s+(.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-"),
    ),
  );
}

const files = [...sourceFiles("src"), ...sourceFiles("providers")];

describe("user-facing text", () => {
  it("never cites a file outside the repository", () => {
    const outside = /QUAY-API|PULUMI-NOTES|STYLE\.md|§/;
    const hits = files.flatMap((f) =>
      literals(f)
        .filter((l) => outside.test(l.text))
        .map((l) => `${path.relative(projectRoot, f)}:${l.line}: ${l.text.slice(0, 100)}`),
    );
    expect(hits).toEqual([]);
  });

  it("points only to sections of docs/quay-api.md that exist", () => {
    const known = anchors("docs/quay-api.md");
    const cited = new Set<string>();
    for (const f of files)
      for (const l of literals(f))
        for (const m of l.text.matchAll(/docs\/quay-api\.md((?:#[a-z0-9-]+)(?:, #[a-z0-9-]+)*)/g))
          for (const a of m[1]!.split(", ")) cited.add(a.slice(1));
    expect(cited.size).toBeGreaterThan(5);
    expect([...cited].filter((a) => !known.has(a))).toEqual([]);
  });
});
