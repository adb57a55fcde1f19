import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stackConfigPath } from "../../../src/engine/backend";
import { projectRoot } from "../../../src/engine/env";
import { projectDirFor } from "../../../src/engine/project-dir";

let work: string;
let root: string;
let repo: string;
let cacheDir: string;

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "qg-projectdir-"));
  root = path.join(work, "tool");
  repo = path.join(work, "lab-repo");
  cacheDir = path.join(work, "cache");
  fs.mkdirSync(path.join(root, "stacks"), { recursive: true });
  fs.copyFileSync(path.join(projectRoot, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
  fs.writeFileSync(path.join(root, "stacks", "Pulumi.lab.yaml"), "config: {}\n");
  fs.mkdirSync(path.join(repo, "stacks"), { recursive: true });
});

afterEach(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe("projectDirFor: where a run's stack config file is", () => {
  it("the tool's own folder when the repository is the tool", () => {
    expect(projectDirFor({ repo: root, stack: "lab", root, cacheDir })).toBe(root);
  });

  it("the tool's own folder when the repository holds no config file of the stack", () => {
    fs.writeFileSync(path.join(repo, "stacks", "Pulumi.other.yaml"), "config: {}\n");
    expect(projectDirFor({ repo, stack: "lab", root, cacheDir })).toBe(root);
    expect(fs.existsSync(cacheDir)).toBe(false);
  });

  it("a project folder whose stack config files are the repository's, with the tool's program", () => {
    fs.writeFileSync(path.join(repo, "stacks", "Pulumi.lab.yaml"), "config: {}\n");
    const dir = projectDirFor({ repo, stack: "lab", root, cacheDir });
    expect(path.dirname(dir)).toBe(cacheDir);
    // Found where Pulumi and our own readers (settings, secrets, report) look for it.
    expect(stackConfigPath(dir, "lab")).toBe(path.join(repo, "stacks", "Pulumi.lab.yaml"));
    expect(stackConfigPath(dir, "acme-org/quay-gitops/lab")).toBe(
      path.join(repo, "stacks", "Pulumi.lab.yaml"),
    );
    const generated = parseYaml(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as Record<
      string,
      unknown
    >;
    const original = parseYaml(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(generated.name).toBe(original.name);
    expect(generated.runtime).toEqual(original.runtime);
    expect(generated.main).toBe(path.join(root, original.main as string));
    expect(path.isAbsolute(generated.stackConfigDir as string)).toBe(false);
  });

  it("a fully qualified stack name finds the file by its last part", () => {
    fs.writeFileSync(path.join(repo, "stacks", "Pulumi.lab.yaml"), "config: {}\n");
    expect(projectDirFor({ repo, stack: "acme-org/quay-gitops/lab", root, cacheDir })).not.toBe(root);
  });

  it("one folder per repository, written once", () => {
    fs.writeFileSync(path.join(repo, "stacks", "Pulumi.lab.yaml"), "config: {}\n");
    const dir = projectDirFor({ repo, stack: "lab", root, cacheDir });
    const file = path.join(dir, "Pulumi.yaml");
    fs.utimesSync(file, new Date(0), new Date(0));
    expect(projectDirFor({ repo, stack: "lab", root, cacheDir })).toBe(dir);
    expect(fs.statSync(file).mtimeMs).toBe(0);

    const other = path.join(work, "other-repo");
    fs.mkdirSync(path.join(other, "stacks"), { recursive: true });
    fs.writeFileSync(path.join(other, "stacks", "Pulumi.lab.yaml"), "config: {}\n");
    const otherDir = projectDirFor({ repo: other, stack: "lab", root, cacheDir });
    expect(otherDir).not.toBe(dir);
    expect(stackConfigPath(otherDir, "lab")).toBe(path.join(other, "stacks", "Pulumi.lab.yaml"));
  });
});
