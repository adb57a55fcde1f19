// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's innerText() is the text as rendered, what a person reads; textContent would include hidden text
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import { openStack } from "../../../src/engine/automation";
import { LOCAL_DEV_PASSPHRASE, projectRoot } from "../../../src/engine/env";
import type { LabReport } from "../../../src/report";
import { type Browser, launchChromium } from "../../helpers/browser";
import { type CliResult, createGitRepo, type GitRepo, runCli } from "../../helpers/git";
import { SAMPLE_SECRETS } from "../../helpers/lab";

/**
 * `quay-gitops report` end to end: the sample tenants applied by the real engine to the emulator,
 * usage, mirror runs and robot logins played through the emulator's control API, a drift report,
 * then the real CLI writes the page, and a real Chromium (Debian's, via playwright-core) shows what
 * a person sees: the bars, the numbers, the order after a click, no console error, no request.
 * QUAY_GITOPS_DOCS_SCREENSHOT=1 writes the screenshot to docs/report.png (docs/report.md shows it).
 */
const GiB = 1024 ** 3;
const DAY = 86_400_000;

describe("quay-gitops report: the page in a browser", () => {
  let emu: RunningEmulator;
  let repo: GitRepo;
  let work: string;
  let env: Record<string, string>;
  let browser: Browser;
  let report: LabReport;
  let run: CliResult;

  const control = async (p: string, body: unknown) => {
    const r = await fetch(`${emu.url}${p}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  };
  const api = (method: string, p: string, body?: unknown) =>
    fetch(`${emu.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const backend = () => `file://${path.join(work, "state")}`;
  const cli = (...args: string[]) => runCli([...args, "--repo", repo.dir, "--backend", backend()], env);
  const file = (name: string) => path.join(work, name);

  beforeAll(async () => {
    browser = await launchChromium();
    emu = await startEmulator({ port: 0, quiet: true });
    work = fs.mkdtempSync(path.join(os.tmpdir(), "qg-report-"));
    await api("POST", "/api/v1/superuser/users/", {
      username: "lab-automation",
      email: "automation@lab.example",
    });
    repo = createGitRepo({ tenants: ["acme", "globex", "initech", "platform"] });
    env = {
      QUAY_URL: emu.url,
      QUAY_TOKEN: emu.token,
      QUAY_USERNAME: "",
      QUAY_PASSWORD: "",
      PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE,
      ...SAMPLE_SECRETS,
      GITHUB_ACTIONS: "",
      GITLAB_CI: "",
      QUAY_GITOPS_STACK: "",
      QUAY_GITOPS_TENANTS_DIR: "",
      QUAY_GITOPS_REGISTRY_FILE: "",
      QUAY_GITOPS_REPO: "",
    };
    const applied = await cli("apply", "--stack", "local");
    expect(applied.code, applied.stderr).toBe(0);

    const now = Date.now();
    await control("/_emulator/usage", { namespace: "acme", repository: "operator", bytes: 300 * GiB });
    await control("/_emulator/usage", { namespace: "acme", repository: "ubi9", bytes: 120 * GiB });
    await control("/_emulator/usage", {
      namespace: "globex",
      repository: "apps/storefront",
      bytes: 700 * GiB,
    });
    await control("/_emulator/usage", { namespace: "globex", repository: "apps/checkout", bytes: 300 * GiB });
    await control("/_emulator/usage", {
      namespace: "platform",
      repository: "openshift/release",
      bytes: 1800 * GiB,
    });
    await control("/_emulator/usage", { namespace: "initech", repository: "tps", bytes: 12 * GiB });
    // Every mirror syncs once; then acme's fails.
    await control("/_emulator/mirror/sync", { outcome: "success" });
    await api("POST", "/api/v1/repository/acme/ubi9/mirror/sync-now");
    await control("/_emulator/mirror/sync", { repository: "acme/ubi9", outcome: "fail" });
    await control("/_emulator/last-accessed", { account: "acme+ci", at: new Date(now - DAY).toISOString() });
    await control("/_emulator/last-accessed", {
      account: "globex+tekton",
      at: new Date(now - 3 * DAY).toISOString(),
    });
    await control("/_emulator/last-accessed", {
      account: "acme+mirror",
      at: new Date(now - 200 * DAY).toISOString(),
    });
    // Someone renames a team's description in Quay: drift.
    await api("PUT", "/api/v1/organization/acme/team/developers", {
      role: "member",
      description: "edited by hand",
    });
    const drift = await cli("drift", "--stack", "local", "--json", file("drift.json"), "--no-attribution");
    expect(drift.code, drift.stderr).toBe(2);

    await api("POST", "/_emulator/stats/reset");
    run = await cli(
      "report",
      "--stack",
      "local",
      "--html",
      file("report.html"),
      "--markdown",
      file("report.md"),
      "--json",
      file("report.json"),
      "--svg",
      file("report.svg"),
      "--drift",
      file("drift.json"),
    );
    expect(run.code, run.stderr).toBe(0);
    report = JSON.parse(fs.readFileSync(file("report.json"), "utf8")) as LabReport;
  });

  afterAll(async () => {
    await browser?.close();
    await emu?.close();
    repo?.dispose();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("reads Quay in 1 + 2 requests per tenant + 1 per mirror, writing nothing", async () => {
    const stats = (await (await fetch(`${emu.url}/_emulator/stats`)).json()) as {
      total: number;
      writes: number;
    };
    const mirrors = report.tenants.reduce((n, t) => n + t.mirrors.length, 0);
    expect(stats.writes).toBe(0);
    expect(stats.total).toBe(1 + 2 * report.tenants.length + mirrors);
    expect(report.requests.total).toBe(stats.total);
    expect(run.stdout).toContain(
      "Quay lab report (stack local): 4 tenants, 1 rejecting pushes, 1 past the warning line",
    );
    expect(report.tenants.find((t) => t.tenant === "acme")?.drift).toMatch(
      /^1 object drifted: Team acme\/developers/,
    );
  });

  async function openPage(): Promise<{ page: Page; consoleErrors: string[]; requests: string[] }> {
    const page = await browser.context.newPage();
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(`file://${file("report.html")}`);
    return { page, consoleErrors, requests };
  }

  // DOM code runs in the page, written as page scripts (the project's TypeScript has no DOM types).
  const rowOrder = (page: Page) =>
    page.evaluate(`[...document.querySelectorAll("#tenants tbody tr")].map((r) => r.dataset.tenant)`);

  it("shows a bar per tenant against its lines, the numbers and the status in words", async () => {
    const { page, consoleErrors, requests } = await openPage();
    try {
      await expect(page.title()).resolves.toBe("Quay lab report · local");
      expect(await rowOrder(page)).toEqual(["globex", "acme", "platform", "initech"]);
      const row = (t: string) => page.locator(`#tenants tbody tr[data-tenant="${t}"]`);
      // What a person reads in each row.
      expect(await row("globex").locator(".usage-text").innerText()).toBe("1000 GiB of 1 TiB (98%)");
      expect(await row("globex").locator(".status").innerText()).toBe("Rejecting pushes");
      expect(await row("acme").locator(".usage-text").innerText()).toBe("420 GiB of 500 GiB (84%)");
      expect(await row("acme").locator(".status").innerText()).toBe("Warning");
      expect(await row("initech").locator(".status").innerText()).toBe("OK");
      expect(await row("acme").innerText()).toContain("Failing");
      expect(await row("acme").innerText()).toContain("last sync failed; 2 retries left");
      await row("acme").locator("details summary").click();
      expect(await row("acme").locator("details").innerText()).toMatch(
        /Stale\s+acme\+mirror: last used .* \(200 days ago\)/,
      );
      expect(await row("acme").innerText()).toContain(
        "drift: 1 object drifted: Team acme/developers changed",
      );
      // The bars as drawn: width in proportion to usage, in the status colour, lines where the limits are.
      type Bar = {
        label: string;
        share: number;
        fill: string;
        warning: number | null;
        reject: number | null;
        left: number;
        width: number;
      };
      const bars = (await page.evaluate(`[...document.querySelectorAll("svg.usage-bar")].map((svg) => {
        const track = svg.querySelector("rect");
        const bar = svg.querySelector("rect.bar");
        const x = (el) => (el ? Number(el.getAttribute("x1")) : null);
        return {
          label: svg.getAttribute("aria-label"),
          share: bar.getBoundingClientRect().width / track.getBoundingClientRect().width,
          fill: getComputedStyle(bar).fill,
          warning: x(svg.querySelector("line.warning-line")),
          reject: x(svg.querySelector("line.reject-line")),
          left: Number(track.getAttribute("x")),
          width: Number(track.getAttribute("width")),
        };
      })`)) as Bar[];
      expect(bars.map((b) => b.label)).toEqual([
        "globex: 1000 GiB of 1 TiB (98%); Rejecting pushes; warning line at 75%, reject line at 95%",
        "acme: 420 GiB of 500 GiB (84%); Warning; warning line at 80%, reject line at 100%",
        "platform: 1.76 TiB of 4 TiB (44%); OK; warning line at 85%, reject line at 100%",
        "initech: 12 GiB of 250 GiB (5%); OK; warning line at 90%, reject line at 100%",
      ]);
      expect(bars.map((b) => Math.round(b.share * 100))).toEqual([98, 84, 44, 5]);
      expect(bars.map((b) => b.fill)).toEqual([
        "rgb(207, 34, 46)",
        "rgb(154, 103, 0)",
        "rgb(26, 127, 55)",
        "rgb(26, 127, 55)",
      ]);
      const at = (b: Bar, line: number | null) =>
        line === null ? null : Math.round(((line - b.left) / b.width) * 100);
      expect(bars.map((b) => [at(b, b.warning), at(b, b.reject)])).toEqual([
        [75, 95],
        [80, 100],
        [85, 100],
        [90, 100],
      ]);
      const shot = path.join(work, "report.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(fs.statSync(shot).size).toBeGreaterThan(20_000);
      if (process.env.QUAY_GITOPS_DOCS_SCREENSHOT === "1")
        fs.copyFileSync(shot, path.join(projectRoot, "docs", "report.png"));
      expect(consoleErrors).toEqual([]);
      expect(requests).toEqual([`file://${file("report.html")}`]);
    } finally {
      await page.close();
    }
  });

  it("sorts by usage and by name when a header is clicked, and says so", async () => {
    const { page, consoleErrors, requests } = await openPage();
    try {
      const usage = page.locator('#tenants thead th[data-sort="usage"]');
      const tenant = page.locator('#tenants thead th[data-sort="tenant"]');
      await usage.getByRole("button").click();
      expect(await rowOrder(page)).toEqual(["initech", "platform", "acme", "globex"]);
      expect(await usage.getAttribute("aria-sort")).toBe("ascending");
      expect(await page.locator("#sort-status").innerText()).toBe("Sorted by usage, ascending.");
      await usage.getByRole("button").click();
      expect(await rowOrder(page)).toEqual(["globex", "acme", "platform", "initech"]);
      await tenant.getByRole("button").click();
      expect(await rowOrder(page)).toEqual(["acme", "globex", "initech", "platform"]);
      expect(await tenant.getAttribute("aria-sort")).toBe("ascending");
      expect(await usage.getAttribute("aria-sort")).toBe("none");
      // The bars moved with their rows.
      expect(
        await page.evaluate(
          `[...document.querySelectorAll("svg.usage-bar")].map((s) => s.getAttribute("aria-label").split(":")[0])`,
        ),
      ).toEqual(["acme", "globex", "initech", "platform"]);
      // A keyboard user gets there too.
      await usage.getByRole("button").focus();
      await page.keyboard.press("Enter");
      expect(await rowOrder(page)).toEqual(["globex", "acme", "platform", "initech"]);
      expect(consoleErrors).toEqual([]);
      expect(requests).toEqual([`file://${file("report.html")}`]);
    } finally {
      await page.close();
    }
  });

  it("the Markdown and the SVG carry the same picture", async () => {
    const md = fs.readFileSync(file("report.md"), "utf8");
    expect(md.split("\n")[0]).toBe("<!-- quay-gitops:report stack=local -->");
    expect(md).toContain('x-axis ["🔴 globex", "🟠 acme", "🟢 platform", "🟢 initech"]');
    expect(md).toContain("  bar [98, 84, 44, 5]\n  line [75, 80, 85, 90]\n  line [95, 100, 100, 100]");
    expect(md).toContain("| globex | `███████████████╎███┃` 1000 GiB of 1 TiB (98%) | 🔴 Rejecting pushes |");
    // The standalone SVG, drawn by the browser: four bars with their words.
    const page = await browser.context.newPage();
    try {
      await page.goto(`file://${file("report.svg")}`);
      const groups = (await page.evaluate(
        `[...document.querySelectorAll("g.tenant")].map((g) => [g.getAttribute("data-tenant"), g.textContent.replace(/\\s+/g, " ").trim()])`,
      )) as [string, string][];
      expect(groups.map((g) => g[0])).toEqual(["globex", "acme", "platform", "initech"]);
      expect(groups[0]?.[1]).toContain("Rejecting pushes");
    } finally {
      await page.close();
    }
  });
});

describe("quay-gitops report with the Quay token in the stack config", () => {
  const stackName = "report-secret";
  const stackFile = path.join(projectRoot, "stacks", `Pulumi.${stackName}.yaml`);
  let emu: RunningEmulator;
  let work: string;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, quiet: true });
    work = fs.mkdtempSync(path.join(os.tmpdir(), "qg-report-secret-"));
    const stack = await openStack({
      stack: stackName,
      backendUrl: `file://${work}`,
      env: { PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE },
    });
    await stack.setAllConfig({
      "quay-gitops:url": { value: emu.url },
      "quay-gitops:token": { value: emu.token, secret: true },
      "quay-gitops:registryFile": { value: "stacks/local.registry.yaml" },
    });
  });

  afterAll(async () => {
    await emu?.close();
    fs.rmSync(stackFile, { force: true });
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("decrypts the connection through the engine, and the token appears nowhere", async () => {
    expect(fs.readFileSync(stackFile, "utf8")).not.toContain(emu.token);
    const r = await runCli(
      ["report", "--stack", stackName, "--backend", `file://${work}`, "--json", path.join(work, "r.json")],
      {
        QUAY_URL: "",
        QUAY_TOKEN: "",
        QUAY_USERNAME: "",
        QUAY_PASSWORD: "",
        PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE,
        QUAY_GITOPS_STACK: "",
        QUAY_GITOPS_REPO: "",
        QUAY_GITOPS_TENANTS_DIR: "",
        QUAY_GITOPS_REGISTRY_FILE: "",
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("its Quay credentials are secrets");
    const doc = JSON.parse(fs.readFileSync(path.join(work, "r.json"), "utf8")) as LabReport;
    expect(doc.quayUrl).toBe(emu.url);
    // Nothing was applied: every tenant's organization is reported missing.
    expect(doc.tenants.map((t) => t.quota.status)).toEqual(["missing", "missing", "missing", "missing"]);
    expect(`${r.stdout}${r.stderr}${fs.readFileSync(path.join(work, "r.json"), "utf8")}`).not.toContain(
      emu.token,
    );
  });
});
