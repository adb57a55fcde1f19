import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadDesiredStateFromFiles } from "../../../src/tenant";
import { generatedTenants } from "./generate";
import { NOW } from "./helpers";

const ROOT = path.resolve(__dirname, "../../..");
const registry = fs.readFileSync(path.join(ROOT, "stacks/local.registry.yaml"), "utf8");

function timeLoad(n: number): number {
  const files = { ...generatedTenants(n), "stacks/local.registry.yaml": registry };
  const start = performance.now();
  const r = loadDesiredStateFromFiles({ files, now: NOW });
  const ms = performance.now() - start;
  expect(r.diagnostics).toEqual([]);
  expect(r.state!.tenants).toHaveLength(n);
  return ms;
}

describe("performance", () => {
  /*
   * The wall-clock figure of `quay-gitops validate` on 200 files is measured on an idle machine and
   * written in docs/tenants.md. Here, on a CI machine shared with other jobs, an absolute bound would
   * be flaky; what must hold everywhere is that the cost grows linearly with the number of tenants
   * (the cross-file rules compare every tenant with every other one, which once made it quadratic).
   */
  it("grows linearly: 200 tenants cost less than 8 times 50 tenants", { timeout: 60_000 }, () => {
    timeLoad(20); // warm-up: schema compilation, JIT
    const t50 = Math.min(timeLoad(50), timeLoad(50));
    const t200 = Math.min(timeLoad(200), timeLoad(200));
    expect(t200).toBeLessThan(8 * t50);
    expect(t200).toBeLessThan(10_000);
  });
});
