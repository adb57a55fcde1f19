import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { repairFileBackend } from "../../../src/engine/repair";

it("removes the empty sidecars and temp files a killed run leaves in a file backend, nothing else", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qg-repair-"));
  const stacks = path.join(dir, ".pulumi", "stacks", "quay-gitops");
  fs.mkdirSync(stacks, { recursive: true });
  fs.writeFileSync(path.join(stacks, "local.json"), "{}");
  fs.writeFileSync(path.join(stacks, "local.json.attrs"), "");
  fs.writeFileSync(path.join(stacks, "local.json.bak"), "{}");
  fs.writeFileSync(path.join(stacks, "local.json.bak.attrs"), '{"user.cache_control":""}');
  fs.writeFileSync(path.join(stacks, "local.json.18ec01ee944764a2.tmp"), "{");
  expect(repairFileBackend(dir)).toEqual([
    ".pulumi/stacks/quay-gitops/local.json.18ec01ee944764a2.tmp",
    ".pulumi/stacks/quay-gitops/local.json.attrs",
  ]);
  expect(fs.readdirSync(stacks).sort()).toEqual(["local.json", "local.json.bak", "local.json.bak.attrs"]);
  fs.rmSync(dir, { recursive: true, force: true });
});
