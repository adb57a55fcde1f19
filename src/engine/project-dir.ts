import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { ConfigError } from "../errors";
import { projectRoot } from "../project";

/**
 * The Pulumi project folder of a run on a tenant repository (`--repo`).
 *
 * The Pulumi project (Pulumi.yaml, the program) is quay-gitops's own; a stack's config file
 * (`Pulumi.<stack>.yaml`, with the stack's `encryptionsalt` and its settings) belongs to the lab. Where
 * quay-gitops runs from the offline bundle or an image (docs/airgap.md) its own folder is the tool, read
 * only, and the lab's repository holds `tenants/` and `stacks/`, the stack's config file among them.
 * Pulumi looks for that file only under the project's `stackConfigDir`, relative to Pulumi.yaml
 * (sdk/go/common/workspace/paths.go: ProjectStackPath, v3.259.0), and writes the salt there when it
 * creates the stack. So when the repository has the stack's config file, the run gets a project folder
 * of its own in `.cache/projects/`: the same Pulumi.yaml with `main` pointing at the program (Pulumi
 * takes an absolute `main`: pkg/engine/project.go getPwdMain) and `stackConfigDir` at the repository's
 * folder. The program and the providers still run from quay-gitops's folder, where their packages are.
 *
 * Otherwise (the repository is the project, or it holds no config file of this stack) the project
 * folder is quay-gitops's, as it always was.
 */
export function projectDirFor(opts: {
  repo: string;
  stack: string;
  /** quay-gitops's folder (default the project root). */
  root?: string;
  /** Where the generated project folders go (default `<root>/.cache/projects`). */
  cacheDir?: string;
}): string {
  const root = path.resolve(opts.root ?? projectRoot);
  const repo = path.resolve(opts.repo);
  if (repo === root) return root;
  const projectFile = path.join(root, "Pulumi.yaml");
  let project: Record<string, unknown>;
  try {
    project = parseYaml(fs.readFileSync(projectFile, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`cannot read ${projectFile}: ${(e as Error).message}`, { cause: e });
  }
  const configDir = typeof project.stackConfigDir === "string" ? project.stackConfigDir : ".";
  const short = opts.stack.split("/").pop() ?? opts.stack;
  const repoConfigDir = path.resolve(repo, configDir);
  if (!fs.existsSync(path.join(repoConfigDir, `Pulumi.${short}.yaml`))) return root;

  const id = crypto.createHash("sha256").update(`${root}\0${repo}`).digest("hex").slice(0, 16);
  const dir = path.join(opts.cacheDir ?? path.join(root, ".cache", "projects"), id);
  const main = typeof project.main === "string" ? project.main : ".";
  const generated = {
    ...project,
    main: path.resolve(root, main),
    // Relative: Pulumi joins it to the project folder, so an absolute path would not survive.
    stackConfigDir: path.relative(dir, repoConfigDir) || ".",
  };
  const text = [
    `# Made by quay-gitops from ${projectFile} for the stack config files in ${repoConfigDir}`,
    "# (src/engine/project-dir.ts); rewritten by every run, never edited.",
    stringifyYaml(generated),
  ].join("\n");
  const file = path.join(dir, "Pulumi.yaml");
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) {
    fs.mkdirSync(dir, { recursive: true });
    // Whole or not at all: a concurrent run may read it meanwhile.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return dir;
}
