import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../../emulator/index";
import { useEmulator } from "./helpers";

const h = useEmulator();
const root = path.resolve(__dirname, "../../..");

function rawRequest(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.end(payload));
    let data = "";
    socket.on("data", (d) => {
      data += d.toString();
    });
    socket.on("end", () => resolve(data));
    socket.on("close", () => resolve(data));
    socket.on("error", reject);
  });
}

describe("robustness (never a crash)", () => {
  it("concurrent creates of the same org: exactly one 201, the rest 400", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => h.post("/api/v1/organization/", { name: "race" })),
    );
    const codes = results.map((r) => r.status).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 400)).toHaveLength(19);
  });

  it("concurrent robot creates in one org: every robot exists once", async () => {
    await h.org("acme");
    await Promise.all(Array.from({ length: 30 }, (_, i) => h.put(`/api/v1/organization/acme/robots/r${i}`)));
    await Promise.all(Array.from({ length: 30 }, (_, i) => h.put(`/api/v1/organization/acme/robots/r${i}`)));
    expect((await h.get("/api/v1/organization/acme/robots")).json.robots).toHaveLength(30);
  });

  it("garbage on the socket gets a 400 and the server keeps serving", async () => {
    const port = Number(new URL(h.url()).port);
    const answer = await rawRequest(port, "THIS IS NOT HTTP\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect((await h.get("/api/v1/user/")).status).toBe(200);
  });

  it("a client that disconnects mid-body does not hurt the server", async () => {
    const port = Number(new URL(h.url()).port);
    await new Promise<void>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.write(
          `POST /api/v1/organization/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h.adminToken()}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 20);
      });
    });
    expect((await h.get("/api/v1/user/")).status).toBe(200);
  });

  it("odd inputs never crash: bad percent-encoding, deep JSON, unicode names, huge numbers", async () => {
    await h.org("acme");
    expect((await h.get("/api/v1/organization/%E0%A4%A")).status).toBeLessThan(500);
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i++) deep = [deep];
    expect((await h.post("/api/v1/organization/", { name: "deep", x: deep })).status).toBe(201);
    expect((await h.put("/api/v1/organization/acme/robots/%C3%A9t%C3%A9")).status).toBe(400);
    expect((await h.post("/api/v1/organization/acme/quota", { limit_bytes: 1e30 })).status).toBe(400);
  });

  it("--state survives a restart: data, the admin token and robot tokens", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "emu-state-"));
    const stateFile = path.join(dir, "state.json");
    try {
      const first = await startEmulator({ port: 0, stateFile });
      const auth = { Authorization: `Bearer ${first.token}`, "Content-Type": "application/json" };
      await fetch(`${first.url}/api/v1/organization/`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ name: "kept" }),
      });
      const robot = (await (
        await fetch(`${first.url}/api/v1/organization/kept/robots/ci`, { method: "PUT", headers: auth })
      ).json()) as { token: string };
      await first.close();
      expect((fs.statSync(stateFile).mode & 0o777).toString(8)).toBe("600");
      const second = await startEmulator({ port: 0, stateFile });
      try {
        expect(second.token).toBe(first.token);
        const got = (await (
          await fetch(`${second.url}/api/v1/organization/kept/robots/ci`, { headers: auth })
        ).json()) as { token: string };
        expect(got.token).toBe(robot.token);
        const logs = (await (
          await fetch(`${second.url}/api/v1/organization/kept/logs`, { headers: auth })
        ).json()) as { logs: { kind: string }[] };
        expect(logs.logs.map((l: { kind: string }) => l.kind)).toEqual(["create_robot", "org_create"]);
        // New ids never collide with loaded ones.
        await fetch(`${second.url}/api/v1/organization/`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ name: "next" }),
        });
        expect(second.store.accounts.size).toBe(4);
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("QUAY_EMULATOR_TOKEN sets the admin token's value", async () => {
    const before = process.env.QUAY_EMULATOR_TOKEN;
    process.env.QUAY_EMULATOR_TOKEN = "from-the-environment";
    try {
      const emu = await startEmulator({ port: 0 });
      try {
        expect(emu.token).toBe("from-the-environment");
        const me = await fetch(`${emu.url}/api/v1/user/`, {
          headers: { Authorization: "Bearer from-the-environment" },
        });
        expect(me.status).toBe(200);
      } finally {
        await emu.close();
      }
    } finally {
      if (before === undefined) delete process.env.QUAY_EMULATOR_TOKEN;
      else process.env.QUAY_EMULATOR_TOKEN = before;
    }
  });

  it("a corrupt state file is refused with QG_EMU_STATE", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "emu-bad-"));
    const stateFile = path.join(dir, "state.json");
    fs.writeFileSync(stateFile, "{nope");
    try {
      await expect(startEmulator({ port: 0, stateFile })).rejects.toMatchObject({ code: "QG_EMU_STATE" });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("CLI: quay-gitops emulator (built dist/)", () => {
  it("prints one JSON ready line, serves, and writes --state on SIGTERM", async () => {
    const main = path.join(root, "dist", "src", "cli", "commands", "emulator.js");
    if (!fs.existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "emu-cli-"));
    const stateFile = path.join(dir, "state.json");
    const child = spawn(
      process.execPath,
      [path.join(root, "bin", "quay-gitops.js"), "emulator", "--port", "0", "--state", stateFile],
      {
        env: { ...process.env, QUAY_EMULATOR_TOKEN: "cli-token" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += d.toString();
          if (out.includes("\n")) resolve(out);
        });
        child.on("exit", (code) => reject(new Error(`exited early with ${code}`)));
      });
      expect(line.split("\n").filter(Boolean)).toHaveLength(1);
      const ready = JSON.parse(line) as { url: string; token: string; user: string; password: string };
      expect(ready).toEqual({
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        token: "cli-token",
        user: "admin",
        password: expect.stringMatching(/^\S{8,}$/),
      });
      // The password signs in.
      const csrf = await fetch(`${ready.url}/csrf_token`);
      const signin = await fetch(`${ready.url}/api/v1/signin`, {
        method: "POST",
        headers: {
          Cookie: (csrf.headers.get("set-cookie") ?? "").split(";")[0] as string,
          "X-CSRF-Token": ((await csrf.json()) as { csrf_token: string }).csrf_token,
          "Content-Type": "application/json",
        },
        body: JSON.stringify({ username: "admin", password: ready.password }),
      });
      expect(signin.status).toBe(200);
      const res = await fetch(`${ready.url}/api/v1/organization/`, {
        method: "POST",
        headers: { Authorization: "Bearer cli-token", "Content-Type": "application/json" },
        body: JSON.stringify({ name: "fromcli" }),
      });
      expect(res.status).toBe(201);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      const text = fs.readFileSync(stateFile, "utf8");
      const state = JSON.parse(text);
      expect(state.accounts.map((a: { username: string }) => a.username)).toContain("fromcli");
      // Only a hash of the password is kept.
      expect(text).not.toContain(ready.password);
    } finally {
      child.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects a bad --port with a usage error (exit 2)", async () => {
    const child = spawn(
      process.execPath,
      [path.join(root, "bin", "quay-gitops.js"), "emulator", "--port", "abc"],
      { stdio: "pipe" },
    );
    let err = "";
    child.stderr.on("data", (d) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/--port must be an integer/);
  });
});
