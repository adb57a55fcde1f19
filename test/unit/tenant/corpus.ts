/**
 * The bad-tenant corpus (test/fixtures/bad-tenants, format in its README): cases, their
 * expectations, and the file tree each is checked in. Shared by the unit test and by the reliability
 * tests that run the same cases through apply.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const CORPUS_DIR = path.resolve(__dirname, "../../fixtures/bad-tenants");
/** Where the context registry file sits in the checked tree. */
export const CORPUS_REGISTRY_PATH = "stacks/corpus.registry.yaml";

export interface Expectation {
  /** Path in the checked tree. */
  file: string;
  line: number;
  column: number;
  code: string;
  fragment: string;
}

export interface CorpusCase {
  name: string;
  description: string;
  /** Path of the case in the checked tree: tenants/<name>.yaml. */
  path: string;
  content: Buffer;
  expects: Expectation[];
}

const EXPECT = /^# expect: (?:(\S+\.yaml):)?(\d+):(\d+) (QG_[A-Z0-9_]+) (.+)$/;

export function corpusCases(): CorpusCase[] {
  const dir = path.join(CORPUS_DIR, "cases");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => {
      const content = fs.readFileSync(path.join(dir, f));
      const utf16 = content[0] === 0xff && content[1] === 0xfe;
      // latin1 maps every byte to one character: the ASCII header survives invalid UTF-8 after it.
      const text = utf16 ? content.toString("utf16le").replace(/^\ufeff/, "") : content.toString("latin1");
      const lines = text.split("\n");
      const name = f.replace(/\.yaml$/, "");
      const casePath = `tenants/${f}`;
      const expects: Expectation[] = [];
      for (const line of lines) {
        const m = EXPECT.exec(line.replace(/\r$/, ""));
        if (!m) continue;
        expects.push({
          file: m[1] ?? casePath,
          line: Number(m[2]),
          column: Number(m[3]),
          code: m[4]!,
          fragment: m[5]!,
        });
      }
      const description = (lines[0] ?? "").replace(/^# /, "");
      return { name, description, path: casePath, content, expects };
    });
}

/** The tree one case is checked in: the context registry and tenants plus the case. */
export function corpusTree(c: CorpusCase): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  files.set(CORPUS_REGISTRY_PATH, fs.readFileSync(path.join(CORPUS_DIR, "context", "registry.yaml")));
  const tenants = path.join(CORPUS_DIR, "context", "tenants");
  for (const f of fs.readdirSync(tenants).sort())
    files.set(`tenants/${f}`, fs.readFileSync(path.join(tenants, f)));
  files.set(c.path, c.content);
  return files;
}
