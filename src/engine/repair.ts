import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The file backend stores each object with an `.attrs` sidecar (gocloud's fileblob). The object
 * itself is written through a temp file and renamed, but the sidecar is written in place: a run
 * killed at that moment leaves an empty sidecar, and every later read of the stack fails with
 * "failed to load checkpoint: EOF" (seen with CLI v3.259.0 in the crash tests). An empty sidecar
 * carries nothing (the attributes are optional), so removing it repairs the backend; leftover
 * `*.tmp` files of the interrupted write go too. Returns what was removed, relative to `dir`.
 */
export function repairFileBackend(dir: string): string[] {
  const root = path.join(dir, ".pulumi");
  const removed: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (
        (e.name.endsWith(".attrs") && fs.statSync(p).size === 0) ||
        /\.[0-9a-f]{16}\.tmp$/.test(e.name)
      ) {
        fs.rmSync(p, { force: true });
        removed.push(path.relative(dir, p));
      }
    }
  };
  walk(root);
  return removed.sort();
}
