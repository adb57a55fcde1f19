/**
 * The engine's failures read as our typed errors. The Pulumi CLI reports a failure as text on stderr
 * (the Automation API wraps it in a CommandError); this module interprets that text: a stack locked
 * by another run becomes a StackLockedError naming the holder, anything else an EngineError with the
 * CLI's error lines. It takes no lock itself (Pulumi's DIY backend does, docs/pulumi-engine.md).
 */
import * as os from "node:os";
import {
  EngineError,
  EXIT_STACK_LOCKED,
  isQuayGitopsError,
  StackLockedError,
  type StackLockHolder,
} from "../errors";
import { redactBackendSecrets } from "./backend";

export { EXIT_STACK_LOCKED, StackLockedError, type StackLockHolder };

/**
 * Pulumi's DIY backends (file, postgres, s3) lock a stack by writing a lock object beside its state and
 * listing the lock folder; a second run that finds another lock fails at once with this text
 * (pkg/backend/diy/lock.go, checkForLock, v3.259.0), which the Automation API also uses to raise a
 * ConcurrentUpdateError. Pulumi gives no code for it, so this is the one place that reads its text; the
 * unit tests pin the format of the pinned CLI.
 */
const LOCKED_HEAD = /the stack is currently locked by (\d+) lock\(s\)/;
// "  <lock url>: created by <user>@<host> (pid <n>) at <RFC 3339 time>"
const HOLDER_LINE = /^\s*(.+?): created by (.+)@([^@\s]+) \(pid (\d+)\) at (\S+)\s*$/;

export interface ParsedLock {
  readonly count: number;
  readonly holders: StackLockHolder[];
}

/** Reads Pulumi's "stack is currently locked" failure out of an engine's output; undefined if it is not one. */
export function parseStackLock(text: string, hostname: string = os.hostname()): ParsedLock | undefined {
  const head = LOCKED_HEAD.exec(text);
  if (!head) return undefined;
  const holders: StackLockHolder[] = [];
  for (const line of text.slice(head.index).split(/\r?\n/)) {
    const m = HOLDER_LINE.exec(line);
    if (!m) continue;
    const [, lock = "", user = "", host = "", pid = "0", sinceText = ""] = m;
    const when = new Date(sinceText);
    const pidNum = Number(pid);
    holders.push({
      lock,
      user,
      host,
      pid: pidNum,
      since: Number.isNaN(when.getTime()) ? undefined : when,
      sinceText,
      alive: host === hostname ? pidAlive(pidNum) : undefined,
    });
  }
  return { count: Number(head[1]), holders };
}

function pidAlive(pid: number): boolean | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function ago(since: Date | undefined, now: Date): string {
  if (!since) return "";
  const s = Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000));
  if (s < 120) return ` (${s} s ago)`;
  if (s < 7200) return ` (${Math.round(s / 60)} min ago)`;
  return ` (${Math.round(s / 3600)} h ago)`;
}

export interface LockContext {
  stack?: string | undefined;
  /** The backend URL of the run, so its password never reaches a message. */
  backendUrl?: string | undefined;
  /** The clock for "N min ago" (tests). */
  now?: Date;
}

/** Builds the typed error, with a message that says who holds the lock and what to do. */
export function stackLockedError(
  parsed: ParsedLock,
  ctx: LockContext = {},
  cause?: unknown,
): StackLockedError {
  const now = ctx.now ?? new Date();
  const stack = ctx.stack;
  const name = stack ? `stack '${stack}'` : "the stack";
  const lines: string[] = [];
  if (parsed.holders.length === 0) {
    lines.push(`${name} is locked by ${parsed.count} other run(s); nothing was changed.`);
  } else {
    for (const [i, h] of parsed.holders.entries()) {
      const state =
        h.alive === true
          ? ", still running on this host"
          : h.alive === false
            ? ", NOT running any more on this host"
            : "";
      const lead = i === 0 ? `${name} is locked by another run, nothing was changed: ` : "  and by: ";
      lines.push(
        `${lead}pid ${h.pid} of ${h.user}@${h.host}${state}, since ${h.sinceText}${ago(h.since, now)}`,
      );
      lines.push(`  lock: ${redactBackendSecrets(h.lock, ctx.backendUrl)}`);
    }
  }
  const stackFlag = stack ? ` --stack ${stack}` : "";
  const dead = parsed.holders.some((h) => h.alive === false);
  lines.push(
    dead
      ? "The holder is gone (a killed or crashed run), so the lock is stale:"
      : "Either another apply/refresh/destroy of this stack is running (wait for it, then run again; CI should",
    dead
      ? ""
      : "serialize runs per stack), or an earlier run was killed before it could release its lock. Only once",
    dead ? "" : "you are sure the holder is gone:",
  );
  const steps: [string, string][] = [
    ["remove the lock:", `pulumi cancel --yes${stackFlag}`],
    ["drop its half-done creates:", `pulumi refresh --clear-pending-creates --yes${stackFlag}`],
    ["converge:", `quay-gitops apply (or pulumi up --refresh --yes${stackFlag})`],
  ];
  for (const [i, [what, how]] of steps.entries()) lines.push(`  ${i + 1}. ${what.padEnd(28)} ${how}`);
  lines.push(
    "Use the same backend (PULUMI_BACKEND_URL or --backend) and passphrase; creates adopt objects the killed run",
    "made without recording them. See docs/state.md, Recovery.",
  );
  const message = lines.filter((l) => l !== "").join("\n");
  return new StackLockedError(message, stack, parsed.holders, { cause });
}

interface CommandResultLike {
  stdout?: unknown;
  stderr?: unknown;
  code?: unknown;
}

/** The text of an engine failure: the Automation API's CommandError keeps the CLI's stderr in commandResult. */
function engineText(e: unknown): { text: string; code: number | undefined } {
  if (typeof e === "string") return { text: e, code: undefined };
  const result = (e as { commandResult?: CommandResultLike } | null)?.commandResult;
  if (result && typeof result === "object") {
    const stderr = typeof result.stderr === "string" ? result.stderr : "";
    const stdout = typeof result.stdout === "string" ? result.stdout : "";
    return { text: `${stderr}\n${stdout}`, code: typeof result.code === "number" ? result.code : undefined };
  }
  const err = e as { message?: unknown; stderr?: unknown; code?: unknown } | null;
  const parts = [err?.stderr, err?.message].filter((x): x is string => typeof x === "string");
  return { text: parts.join("\n"), code: typeof err?.code === "number" ? err.code : undefined };
}

/** The lines of a Pulumi failure worth showing: its `error:` lines and what follows them, secrets masked. */
function engineSummary(text: string, backendUrl: string | undefined): string {
  const lines = redactBackendSecrets(text, backendUrl)
    .split(/\r?\n/)
    .map((l) => l.trimEnd());
  const first = lines.findIndex((l) => /^\s*error:/.test(l));
  const picked = (first >= 0 ? lines.slice(first) : lines).filter((l) => l.trim() !== "");
  const out = picked.slice(0, 20).join("\n");
  return out === "" ? "the Pulumi engine failed without a message" : out;
}

/**
 * Maps any failure of an engine run (Automation API CommandError, a CLI child's output, anything else)
 * to our typed errors: a lock to StackLockedError (exit EXIT_STACK_LOCKED), other engine failures to
 * EngineError with the CLI's error lines (backend passwords masked). Our own errors pass through; so do
 * programming errors, which the CLI reports as internal.
 */
export function mapEngineError(e: unknown, ctx: LockContext = {}): Error {
  if (isQuayGitopsError(e)) return e;
  const { text, code } = engineText(e);
  const lock = parseStackLock(text);
  if (lock) return stackLockedError(lock, ctx, e);
  const isCommandError =
    typeof e === "string" || (typeof e === "object" && e !== null && "commandResult" in (e as object));
  if (isCommandError) {
    const where = ctx.stack ? ` on stack '${ctx.stack}'` : "";
    return new EngineError(
      `the Pulumi engine failed${where}:\n${engineSummary(text, ctx.backendUrl)}`,
      code,
      {
        cause: e,
      },
    );
  }
  return e instanceof Error ? e : new Error(String(e));
}
