import * as os from "node:os";
import type { Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_STACK_LOCKED, mapEngineError, StackLockedError } from "../../../src/engine/errors";
import { startPostgres, type TestPostgres } from "../../helpers/postgres";
import {
  exportedDeployment,
  ITEMS,
  openProofStack,
  removeStackConfig,
  runPulumi,
  uniqueStack,
} from "./harness";
import { type KvServer, startKvServer } from "../../helpers/kv";

// concurrent and killed applies on the postgres backend. The engine-proof
// provider is slowed down by its HTTP server so that an update is still running (and holding the
// stack's lock) when a second run starts or when the first one is SIGKILLed.
describe("locking on the postgres backend", () => {
  let pg: TestPostgres;
  let backendUrl: string;
  const env = { PGPASSWORD: "lock-test-pw" };
  const stacks: string[] = [];
  const servers: KvServer[] = [];

  beforeAll(async () => {
    pg = await startPostgres();
    await pg.createDatabase("pulumi_locks", { user: "pulumi_ci", password: env.PGPASSWORD });
    backendUrl = pg.backendUrl({ database: "pulumi_locks", user: "pulumi_ci" });
  });

  afterAll(async () => {
    removeStackConfig(...stacks);
    await Promise.all(servers.map((s) => s.close()));
    await pg?.stop();
  });

  /** A fresh stack with its own key-value server, so each test counts only its own writes. */
  const open = async (prefix: string): Promise<{ name: string; stack: Stack; kv: KvServer }> => {
    const name = uniqueStack(prefix);
    stacks.push(name);
    const kv = await startKvServer();
    servers.push(kv);
    return { name, kv, stack: await openProofStack({ stack: name, backendUrl, kvUrl: kv.url, env }) };
  };

  it("two ups at once: one runs, the other fails fast with the holder and time; state intact", async () => {
    const { name, stack, kv } = await open("lock2");
    // A second Automation API workspace on the same stack, as a second CI runner would have.
    const other = await openProofStack({ stack: name, backendUrl, kvUrl: kv.url, env });
    kv.setWriteDelay(15_000);
    const firstWrite = kv.nextWrite();
    let firstDoneAt = 0;
    const first = stack.up().finally(() => {
      firstDoneAt = Date.now();
    });
    await firstWrite; // the first run is inside its update, holding the lock
    const t0 = Date.now();
    const second = await other.up().then(
      () => undefined,
      (e: unknown) => {
        console.log(
          `Pulumi's own text:\n${(e as { commandResult?: { stderr?: string } }).commandResult?.stderr}`,
        );
        return mapEngineError(e, { stack: name, backendUrl });
      },
    );
    const secondDoneAt = Date.now();
    const failedAfterMs = secondDoneAt - t0;
    const firstResult = await first;
    kv.setWriteDelay(0);

    expect(firstResult.summary.result).toBe("succeeded");
    expect(firstResult.summary.resourceChanges?.create).toBe(4);
    expect(second).toBeInstanceOf(StackLockedError);
    const locked = second as StackLockedError;
    console.log(`second up failed after ${failedAfterMs} ms with:\n${locked.message}`);
    expect(locked.code).toBe("QG_ERR_STACK_LOCKED");
    expect(locked.exitCode).toBe(EXIT_STACK_LOCKED);
    expect(locked.holders).toHaveLength(1);
    const holder = locked.holders[0]!;
    expect(holder.host).toBe(os.hostname());
    expect(holder.user).toBe(os.userInfo().username);
    expect(holder.alive).toBe(true);
    expect(holder.since?.getTime()).toBeGreaterThan(Date.now() - 120_000);
    expect(locked.message).toContain(`pid ${holder.pid} of ${holder.user}@${holder.host}`);
    expect(locked.message).toContain("pulumi cancel --yes");
    // Fast: it failed while the first run was still busy, instead of waiting for it.
    expect(secondDoneAt).toBeLessThan(firstDoneAt);

    // Exactly one ran: each item written once, by the first run.
    expect(kv.writes()).toBe(3);
    expect(Object.fromEntries(kv.items)).toEqual(ITEMS);
    const preview = await stack.preview({ refresh: true, expectNoChanges: true });
    expect(preview.changeSummary).toEqual({ same: 4 });
    const deployment = await exportedDeployment(name, backendUrl, env);
    expect(deployment.resources).toHaveLength(5); // stack, default provider, three items
    expect(deployment.pending_operations ?? []).toEqual([]);
  });

  it("an up killed with SIGKILL leaves a lock; the next run explains it; cancel + up --refresh repair it", async () => {
    const { name, stack, kv } = await open("kill");
    const before = kv.writes();
    kv.setWriteDelay(60_000); // the create never finishes before the kill
    const firstWrite = kv.nextWrite();
    const run = await runPulumi(["up", "--yes", "--skip-preview"], { stack: name, backendUrl, env });
    await firstWrite;
    run.killGroup();
    const killed = await run.done;
    expect(killed.signal).toBe("SIGKILL");
    kv.setWriteDelay(0);
    expect(kv.writes()).toBe(before); // nothing was written: every create was cut off

    // The next run fails with the stale lock, naming the dead holder.
    const next = await stack.up().then(
      () => undefined,
      (e: unknown) => mapEngineError(e, { stack: name, backendUrl }),
    );
    expect(next).toBeInstanceOf(StackLockedError);
    const locked = next as StackLockedError;
    console.log(`after the kill:\n${locked.message}`);
    expect(locked.holders[0]?.pid).toBe(run.child.pid);
    expect(locked.holders[0]?.alive).toBe(false);
    expect(locked.message).toMatch(/NOT running any more/);
    expect(locked.message).toContain(`pulumi cancel --yes --stack ${name}`);

    // The documented recovery (docs/state.md): pulumi cancel, refresh --clear-pending-creates (the killed
    // run's creates stay "pending" in the state otherwise), then up --refresh, whose creates adopt.
    const cancel = await (await runPulumi(["cancel", "--yes"], { stack: name, backendUrl, env })).done;
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toMatch(/has been canceled/);
    const clear = await stack.refresh({ clearPendingCreates: true });
    expect(clear.summary.result).toBe("succeeded");
    const up = await stack.up({ refresh: true });
    expect(up.summary.result).toBe("succeeded");
    expect(Object.fromEntries(kv.items)).toEqual(ITEMS);
    const preview = await stack.preview({ refresh: true, expectNoChanges: true });
    expect(preview.changeSummary).toEqual({ same: 4 });
    const deployment = await exportedDeployment(name, backendUrl, env);
    expect(deployment.pending_operations ?? []).toEqual([]);
    expect(deployment.resources).toHaveLength(5);
  });
});
