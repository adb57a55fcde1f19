import { describe, expect, it } from "vitest";
import { exitCodeFor } from "../../../src/cli/exit";
import {
  EXIT_STACK_LOCKED,
  mapEngineError,
  parseStackLock,
  StackLockedError,
} from "../../../src/engine/errors";
import { ConfigError, EngineError, UsageError } from "../../../src/errors";

// Pulumi's DIY lock failure as the pinned CLI (v3.259.0) prints it on the postgres backend, taken from
// a run of test/e2e/state/locking.test.ts. If a CLI upgrade changes this text, this test says so.
const URL = "postgres://pulumi_ci:lock-pw@127.0.0.1:40917/pulumi_locks?sslmode=disable";
const STDERR = [
  "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.",
  "  postgres://****:****@127.0.0.1:40917/pulumi_locks/.pulumi/locks/organization/engine-proof/lab-a/5ea97e34-9f45-41d2-9cf5-f2f224d8f1f2.json?sslmode=disable: created by root@runner-7 (pid 9719) at 2026-11-27T19:21:30Z",
  "",
].join("\n");

/** The shape of the Automation API's CommandError (ConcurrentUpdateError for this text). */
function commandError(stderr: string, code = 255): Error {
  return Object.assign(new Error(`code: ${code}\n stderr: ${stderr}`), {
    name: "ConcurrentUpdateError",
    commandResult: { stdout: "", stderr, code },
  });
}

describe("stack lock errors", () => {
  it("parses the holder, pid and time out of Pulumi's text", () => {
    const parsed = parseStackLock(STDERR, "ci-host");
    expect(parsed?.count).toBe(1);
    expect(parsed?.holders).toEqual([
      {
        lock: "postgres://****:****@127.0.0.1:40917/pulumi_locks/.pulumi/locks/organization/engine-proof/lab-a/5ea97e34-9f45-41d2-9cf5-f2f224d8f1f2.json?sslmode=disable",
        user: "root",
        host: "runner-7",
        pid: 9719,
        since: new Date("2026-11-27T19:21:30Z"),
        sinceText: "2026-11-27T19:21:30Z",
        alive: undefined, // another host: we cannot tell
      },
    ]);
    expect(parseStackLock("error: update failed")).toBeUndefined();
  });

  it("maps a CommandError to StackLockedError with what to do, and exit code 4", () => {
    const e = mapEngineError(commandError(STDERR), {
      stack: "lab-a",
      backendUrl: URL,
      now: new Date("2026-11-27T19:24:30Z"),
    });
    expect(e).toBeInstanceOf(StackLockedError);
    const locked = e as StackLockedError;
    expect(locked.code).toBe("QG_ERR_STACK_LOCKED");
    expect(locked.stackName).toBe("lab-a");
    expect(locked.exitCode).toBe(4);
    expect(EXIT_STACK_LOCKED).toBe(4);
    expect(exitCodeFor(locked)).toBe(4);
    expect(locked.message).toContain(
      "stack 'lab-a' is locked by another run, nothing was changed: pid 9719 of root@runner-7, since 2026-11-27T19:21:30Z (3 min ago)",
    );
    expect(locked.message).toContain("pulumi cancel --yes --stack lab-a");
    expect(locked.message).toContain("pulumi up --refresh");
    expect(locked.message).not.toContain("lock-pw");
  });

  it("tells a dead holder on this host from a live one", () => {
    const here = "this-host";
    const dead = STDERR.replace("root@runner-7 (pid 9719)", `root@${here} (pid 2147483000)`);
    expect(parseStackLock(dead, here)?.holders[0]?.alive).toBe(false);
    const alive = STDERR.replace("root@runner-7 (pid 9719)", `root@${here} (pid ${process.pid})`);
    expect(parseStackLock(alive, here)?.holders[0]?.alive).toBe(true);
  });

  it("maps other engine failures to EngineError with Pulumi's error lines, passwords masked", () => {
    const stderr = `some progress\nerror: failed to ping PostgreSQL at ${URL}: password authentication failed for user "pulumi_ci" (lock-pw)\n`;
    const e = mapEngineError(commandError(stderr, 255), { stack: "lab-a", backendUrl: URL });
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).exitCode).toBe(255);
    expect(e.message).toMatch(
      /^the Pulumi engine failed on stack 'lab-a':\nerror: failed to ping PostgreSQL/,
    );
    expect(e.message).not.toContain("lock-pw");
    expect(e.message).not.toContain("some progress");
    expect(exitCodeFor(e)).toBe(1);
  });

  it("passes our own errors and programming errors through", () => {
    const config = new ConfigError("x");
    expect(mapEngineError(config)).toBe(config);
    const bug = new TypeError("boom");
    expect(mapEngineError(bug)).toBe(bug);
    expect(exitCodeFor(bug)).toBe(2);
    expect(exitCodeFor(new UsageError("u"))).toBe(2);
  });
});
