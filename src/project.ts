import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The project folder (Pulumi.yaml and package.json): where tenants/, stacks/ and dist/ are. Found
 * from this file's location, not from the working directory, which the Pulumi language host sets
 * to the program's own folder.
 */
export const projectRoot: string = process.env.QUAY_GITOPS_ROOT || findProjectRoot(__dirname);

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml")) && fs.existsSync(path.join(dir, "package.json")))
      return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the quay-gitops project root (Pulumi.yaml) above ${start}`);
    dir = up;
  }
}

let version: string | undefined;

/** This quay-gitops's version (package.json): recorded with every apply (src/plan/selection.ts). */
export function toolVersion(): string {
  version ??= (
    JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { version: string }
  ).version;
  return version;
}
