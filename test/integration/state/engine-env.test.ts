import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { engineSetup, setEngineLog } from "../../../src/engine/env";

const temps: string[] = [];
function temp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "qg-engine-env-"));
  temps.push(d);
  return d;
}
afterEach(() => {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("the engine's automatic debug log (docs/pulumi-cli.md)", () => {
  it("is a link to /dev/null, replacing logs a run left, unless QUAY_GITOPS_ENGINE_LOG=1 asks for it", () => {
    const home = temp();
    const logs = path.join(home, "logs");
    fs.mkdirSync(logs);
    fs.writeFileSync(path.join(logs, "pulumi-20261127T000000-1-up.log"), "x".repeat(1000));

    setEngineLog(home, false);
    expect(fs.lstatSync(logs).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(logs)).toBe("/dev/null");
    setEngineLog(home, false); // a second run finds the link and leaves it
    expect(fs.readlinkSync(logs)).toBe("/dev/null");

    setEngineLog(home, true);
    expect(fs.existsSync(logs)).toBe(false); // the CLI makes the folder again and writes there
  });

  it("is left alone in a PULUMI_HOME the caller chose", async () => {
    const home = temp();
    const setup = await engineSetup({ pulumiHome: home, backendUrl: `file://${temp()}` });
    expect(setup.env.PULUMI_HOME).toBe(home);
    expect(fs.existsSync(path.join(home, "logs"))).toBe(false);
  });
});

describe("checkpoints", () => {
  it("are off unless PULUMI_SKIP_CHECKPOINTS says otherwise", async () => {
    const common = { pulumiHome: temp(), backendUrl: `file://${temp()}` };
    expect((await engineSetup(common)).env.PULUMI_SKIP_CHECKPOINTS).toBe("true");
    const on = await engineSetup({ ...common, env: { PULUMI_SKIP_CHECKPOINTS: "false" } });
    expect(on.env.PULUMI_SKIP_CHECKPOINTS).toBe("false");
  });
});
