/**
 * The engine operations of the gitops commands, through the Automation API with our CLI binary
 * (src/engine/automation.ts): a preview (the plan), an `up` (the apply) and a refresh preview (drift).
 * Each collects the engine's structured events and hands them to the pure planning code (src/plan).
 *
 * Events at debug level are never kept: the language host logs resource registrations there with
 * secret inputs in plaintext (seen on CLI v3.259.0 with a mirror password). Everything else the
 * engine reports is blinded already (`[secret]`).
 */
import type { ConfigMap, EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { openStack } from "../engine/automation";
import { mapEngineError } from "../engine/errors";
import { kindInfo } from "../kinds";
import { ConfigError, StackLockedError } from "../errors";
import { type DriftReport, driftFromEvents } from "../plan/drift";
import {
  type EngineEventLike,
  kindOf,
  planFromEvents,
  releasedOnDelete,
  TENANT_TYPE,
  tenantOf,
  urnName,
} from "../plan/events";
import { doneLine } from "../plan/text";
import { type HistoryEntry, type LastApply, lastApplyOf } from "../plan/selection";
import { secretPlaintext } from "../plan/values";
import { type ChangeOp, emptyCounts, NO_TENANT, type OpCounts, type Plan } from "../plan/types";
import { isOutageNotice } from "../quay/outage";

export interface EngineTarget {
  stack: string;
  /** `--backend URL`; default PULUMI_BACKEND_URL, else the local file backend. */
  backendUrl?: string | undefined;
  /** The Pulumi project folder (src/engine/project-dir.ts); default quay-gitops's. */
  workDir?: string | undefined;
  /** Environment for the engine, the program and the providers (on top of the process environment). */
  env: Record<string, string>;
  /** Create the stack if it does not exist (preview and apply: yes; drift: no). */
  create?: boolean;
  /** Progress lines for the user (our own wording, never engine text with values). */
  log?: (line: string) => void;
}

/** A message the engine or a provider reported (info and above), with the object it is about. */
export interface EngineMessage {
  severity: string;
  /** `Kind name` of the object, when the message is about one. */
  object?: string;
  message: string;
}

/**
 * What the providers and the program said about Quay being unreachable (src/quay/outage.ts): they
 * print it on stdout, which the engine passes on as a message about no object.
 */
export function outageNotices(messages: readonly EngineMessage[]): string[] {
  return messages.filter((m) => m.object === undefined && isOutageNotice(m.message)).map((m) => m.message);
}

function collect() {
  const events: EngineEventLike[] = [];
  const messages: EngineMessage[] = [];
  const onEvent = (e: EngineEvent) => {
    const d = e.diagnosticEvent;
    if (d) {
      // The type says info, info#err, warning or error; the engine also sends "debug".
      if ((d.severity as string) === "debug") return;
      const kind = d.urn ? kindOf(d.urn.split("::")[2] ?? "") : undefined;
      const text = d.message.replace(/\s+$/, "");
      if (text === "") return;
      messages.push({
        severity: d.severity,
        ...(kind && d.urn ? { object: `${kind} ${urnName(d.urn)}` } : {}),
        message: text,
      });
      return;
    }
    events.push(e as EngineEventLike);
  };
  return { events, messages, onEvent };
}

/** Credentials are kept out of every output even when someone stored them without `--secret`. */
const CREDENTIAL_KEYS = new Set(["quay-gitops:token", "quay-gitops:password"]);

function isSecretConfig(key: string, value: { secret?: boolean }): boolean {
  return value.secret === true || CREDENTIAL_KEYS.has(key);
}

/**
 * The engine copies the whole stack config into the state, as the inputs of the dynamic
 * providers' default provider (`pulumi:providers:pulumi-nodejs`): secret values as ciphertext,
 * others in clear. A token or password set without `--secret` would sit in clear in the stack
 * file and in every checkpoint, so a run refuses it before anything is written.
 */
export function assertCredentialsEncrypted(
  config: Record<string, { value: string; secret?: boolean }>,
  stack: string,
): void {
  for (const key of CREDENTIAL_KEYS) {
    const v = config[key];
    if (v && v.value !== "" && v.secret !== true) {
      throw new ConfigError(
        `${key} is in stack ${stack}'s config in clear text, and the engine would copy it into the state: set it with \`pulumi config set --secret ${key}\` (or use the environment variable instead)`,
      );
    }
  }
}

interface Opened {
  stack: Stack;
  /** The workspace's environment as opened, before a run's own variables. */
  base: Record<string, string>;
  config?: Promise<ConfigMap>;
}

/**
 * Stacks this process opened. Opening runs `pulumi stack select` (a process start, ~0.2 s); a command
 * runs up to four engine operations on one stack, so it opens it once and gives each operation its
 * own variables (selection, read journal, commit) by resetting the workspace's environment.
 */
const opened = new Map<string, Promise<Opened>>();

async function open(t: EngineTarget): Promise<Stack> {
  return (await openRecord(t)).stack;
}

async function openRecord(t: EngineTarget): Promise<Opened> {
  const key = JSON.stringify([t.stack, t.backendUrl ?? "", t.create ?? true, t.workDir ?? ""]);
  let p = opened.get(key);
  if (!p) {
    p = openStack({
      stack: t.stack,
      ...(t.backendUrl !== undefined ? { backendUrl: t.backendUrl } : {}),
      ...(t.workDir !== undefined ? { workDir: t.workDir } : {}),
      create: t.create ?? true,
    }).then((stack) => ({ stack, base: { ...(stack.workspace as LocalWorkspace).envVars } }));
    opened.set(key, p);
    p.catch(() => {
      if (opened.get(key) === p) opened.delete(key);
    });
  }
  let record: Opened;
  try {
    record = await p;
  } catch (e) {
    throw mapEngineError(e, { stack: t.stack, backendUrl: t.backendUrl });
  }
  (record.stack.workspace as LocalWorkspace).envVars = { ...record.base, ...t.env };
  return record;
}

/** The stack's config (secrets decrypted), read once per command (`pulumi config` is a process start). */
async function stackConfig(t: EngineTarget): Promise<ConfigMap> {
  const record = await openRecord(t);
  record.config ??= record.stack.getAllConfig();
  record.config.catch(() => {
    record.config = undefined;
  });
  return record.config;
}

export interface PreviewOutcome {
  plan: Plan;
  messages: EngineMessage[];
  /** The stack config's secret values (decrypted), so no output can show them (values.ts `redactText`). */
  secretConfig: string[];
  /** The stack config (secrets decrypted): the Quay connection when it is kept there. */
  config: Record<string, string>;
  /** URNs that `up --target` needs besides the changes: the stack itself and the Tenant components. */
  structure: { stackUrn: string | undefined; tenants: { name: string; urn: string; op: string }[] };
}

/** The root stack's and the Tenant components' steps of a preview. */
function structureOf(events: readonly EngineEventLike[]): PreviewOutcome["structure"] {
  let stackUrn: string | undefined;
  const tenants = new Map<string, { name: string; urn: string; op: string }>();
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m) continue;
    if (m.type === "pulumi:pulumi:Stack") stackUrn = m.urn;
    else if (m.type === TENANT_TYPE) tenants.set(m.urn, { name: urnName(m.urn), urn: m.urn, op: m.op });
  }
  return {
    stackUrn,
    tenants: [...tenants.values()].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0)),
  };
}

/** `pulumi preview` (with `--refresh` by default: the plan is made against the live registry). */
export async function enginePreview(
  t: EngineTarget,
  opts: { refresh: boolean; targets?: string[] | undefined },
): Promise<PreviewOutcome> {
  const stack = await open(t);
  const c = collect();
  // With targets the refresh reads only the objects of the tenants the run looks at (src/plan/selection.ts).
  const reads = opts.targets ? "the objects of the tenants looked at" : "every object";
  t.log?.(
    `previewing stack ${t.stack}${opts.refresh ? `, reading ${reads} from Quay first` : " against the last recorded state"} ...`,
  );
  const secretConfig: string[] = [];
  const config: Record<string, string> = {};
  try {
    const all = await stackConfig(t);
    assertCredentialsEncrypted(all, t.stack);
    for (const [k, v] of Object.entries(all)) {
      config[k] = v.value;
      if (isSecretConfig(k, v) && v.value) secretConfig.push(v.value);
    }
    await stack.preview({
      refresh: opts.refresh,
      ...(opts.targets ? { target: opts.targets } : {}),
      onEvent: c.onEvent,
      color: "never",
      suppressProgress: true,
    });
  } catch (e) {
    throw mapEngineError(e, { stack: t.stack, backendUrl: t.backendUrl });
  }
  return {
    plan: planFromEvents(t.stack, c.events),
    messages: c.messages,
    secretConfig,
    config,
    structure: structureOf(c.events),
  };
}

export interface AppliedChange {
  tenant: string;
  kind: string;
  name: string;
  op: ChangeOp;
  /** A delete that left the object in Quay (deletionPolicy retain): released, not deleted. */
  released?: true;
}

export interface UpOutcome {
  counts: OpCounts;
  /** What was done, in the order the engine finished it. */
  applied: AppliedChange[];
  messages: EngineMessage[];
  durationSeconds: number | undefined;
}

const DONE_OP: Record<string, ChangeOp | "same" | undefined> = {
  same: "same",
  create: "create",
  update: "update",
  delete: "delete",
  replace: "replace",
};

/**
 * `pulumi up --refresh`: refresh first, or drift would never be repaired (docs/pulumi-engine.md#preview-and-drift). `targets`
 * limits the run to those URNs (`--no-deletes`).
 */
export async function engineUp(
  t: EngineTarget,
  opts: { targets?: string[] | undefined; message?: string | undefined },
): Promise<UpOutcome> {
  const stack = await open(t);
  const c = collect();
  const counts = emptyCounts();
  const applied: AppliedChange[] = [];
  const onEvent = (e: EngineEvent) => {
    c.onEvent(e);
    const m = e.resOutputsEvent?.metadata;
    if (m) {
      const kind = kindOf(m.type);
      const op = DONE_OP[m.op];
      if (!kind || !op) return;
      counts[op]++;
      if (op === "same") return;
      const change: AppliedChange = {
        tenant: tenantOf(m.new?.parent ?? m.old?.parent) ?? NO_TENANT,
        kind,
        name: urnName(m.urn),
        op,
        ...(op === "delete" && releasedOnDelete(m.old) ? { released: true as const } : {}),
      };
      applied.push(change);
      t.log?.(`  ${doneLine(change)}`);
    }
    const f = e.resOpFailedEvent?.metadata;
    if (f && kindOf(f.type)) t.log?.(`  FAILED ${f.op} ${kindOf(f.type)} ${urnName(f.urn)}`);
  };
  t.log?.(
    `applying to stack ${t.stack} (refresh, then up${opts.targets ? `, ${opts.targets.length} target${opts.targets.length === 1 ? "" : "s"}` : ""}) ...`,
  );
  let duration: number | undefined;
  // Targets of objects the state does not hold yet are globs (src/plan/selection.ts), which the
  // engine's check of literal targets against the state before its refresh lets through.
  const run = () =>
    withoutResultReads(stack, () =>
      stack.up({
        refresh: true,
        onEvent,
        color: "never",
        suppressProgress: true,
        ...(opts.targets ? { target: opts.targets } : {}),
        ...(opts.message ? { message: opts.message } : {}),
      }),
    );
  const started = Date.now();
  try {
    try {
      await run();
    } catch (e) {
      const mapped = mapEngineError(e, { stack: t.stack, backendUrl: t.backendUrl });
      if (!isStaleLock(mapped)) throw mapped;
      await recoverKilledRun(stack, mapped, t);
      await run();
    }
    duration = (Date.now() - started) / 1000;
  } catch (e) {
    throw mapEngineError(e, { stack: t.stack, backendUrl: t.backendUrl });
  }
  return { counts, applied, messages: c.messages, durationSeconds: duration };
}

/**
 * The Automation API's `up` reads the stack's outputs (twice: plain and with secrets) and its last
 * history entry after the update, for a result we do not use: three process starts, about a second
 * per apply. While `run` runs, those two reads answer nothing.
 */
async function withoutResultReads<T>(stack: Stack, run: () => Promise<T>): Promise<T> {
  const s = stack as unknown as { outputs: Stack["outputs"]; info: Stack["info"] };
  const { outputs, info } = s;
  s.outputs = async () => ({});
  s.info = async () => undefined;
  try {
    return await run();
  } finally {
    s.outputs = outputs;
    s.info = info;
  }
}

/**
 * A lock whose every holder is provably gone: taken on this host by a process that no longer runs
 * (a killed or crashed apply). A lock from another host is never judged stale here: its run may
 * still be going on another CI runner (docs/state.md, Recovery).
 */
export function isStaleLock(e: unknown): e is StackLockedError {
  return e instanceof StackLockedError && e.holders.length > 0 && e.holders.every((h) => h.alive === false);
}

/**
 * What a killed apply leaves behind, repaired without a manual step: its lock (`pulumi cancel`) and
 * the creates it had started without recording their result (`refresh --clear-pending-creates`).
 * Those objects may exist in Quay; the next create adopts them instead of duplicating them.
 */
async function recoverKilledRun(stack: Stack, lock: StackLockedError, t: EngineTarget): Promise<void> {
  const who = lock.holders.map((h) => `pid ${h.pid} on ${h.host}, since ${h.sinceText}`).join("; ");
  t.log?.(`the stack is locked by a run that is no longer running (${who}): removing its stale lock ...`);
  await stack.cancel();
  t.log?.(
    "dropping the creates it left unfinished from the state (their objects are adopted by this run) ...",
  );
  await stack.refresh({ clearPendingCreates: true, color: "never", suppressProgress: true });
}

export interface DriftOutcome {
  report: DriftReport;
  /** The stack's newest updates, newest first: when quay-gitops wrote to Quay (src/plan/runs.ts). */
  history: HistoryEntry[];
  /** The stack's config (secrets decrypted): the Quay connection when it is kept there. */
  config: Record<string, string>;
  /** Its secret values, to keep out of every output. */
  secretConfig: string[];
  messages: EngineMessage[];
}

/** Updates read for drift attribution: the last successful one and the failed ones after it. */
const DRIFT_HISTORY_DEPTH = 20;

/** `pulumi refresh --preview-only`: reads every object and compares it with the state; writes nothing. */
export async function engineDrift(t: EngineTarget): Promise<DriftOutcome> {
  const target = { ...t, create: false };
  const stack = await open(target);
  const c = collect();
  t.log?.(`reading every object of stack ${t.stack} from Quay (refresh preview; nothing is written) ...`);
  let history: HistoryEntry[] = [];
  const config: Record<string, string> = {};
  const secretConfig: string[] = [];
  try {
    const all = await stackConfig(target);
    assertCredentialsEncrypted(all, t.stack);
    for (const [k, v] of Object.entries(all)) {
      config[k] = v.value;
      if (isSecretConfig(k, v) && v.value) secretConfig.push(v.value);
    }
    await stack.previewRefresh({ onEvent: c.onEvent, color: "never", suppressProgress: true });
    history = (await stack.history(DRIFT_HISTORY_DEPTH, 1)).map((h) => ({
      kind: h.kind,
      result: h.result,
      ...(h.message !== undefined ? { message: h.message } : {}),
      ...(h.startTime !== undefined ? { startTime: h.startTime } : {}),
      ...(h.endTime !== undefined ? { endTime: h.endTime } : {}),
    }));
  } catch (e) {
    throw mapEngineError(e, { stack: t.stack, backendUrl: t.backendUrl });
  }
  return {
    report: driftFromEvents(t.stack, c.events),
    history,
    config,
    secretConfig,
    messages: c.messages,
  };
}

/**
 * The stack's config, secrets decrypted, and its secret values: what `quay-gitops report` needs of a
 * stack whose Quay credentials are kept there (one `pulumi config`, no program run, no lock).
 */
export async function engineStackConfig(
  t: EngineTarget,
): Promise<{ config: Record<string, string>; secretConfig: string[] }> {
  return engineConfig({ ...t, create: false });
}

/**
 * The stack's config as the run's engine operations on the same target see it (read once per
 * command): the Quay connection for the preflight, before the engine runs the program.
 */
export async function engineConfig(
  t: EngineTarget,
): Promise<{ config: Record<string, string>; secretConfig: string[] }> {
  const config: Record<string, string> = {};
  const secretConfig: string[] = [];
  try {
    const all = await stackConfig(t);
    assertCredentialsEncrypted(all, t.stack);
    for (const [k, v] of Object.entries(all)) {
      config[k] = v.value;
      if (isSecretConfig(k, v) && v.value) secretConfig.push(v.value);
    }
  } catch (e) {
    throw mapEngineError(e, { stack: t.stack, backendUrl: t.backendUrl });
  }
  return { config, secretConfig };
}

/** One resource of the stack's state, as far as a run limited to some tenants needs it. */
export interface StateResource {
  urn: string;
  type: string;
  parent?: string;
  /** Inputs with secrets in plaintext (decrypted export): only for comparing secret values. */
  inputs: Record<string, unknown>;
}

export interface StackFacts {
  /** Undefined when no successful apply by quay-gitops is on record; `lastApplyUnknown` says why. */
  lastApply: LastApply | undefined;
  lastApplyUnknown?: string;
  resources: StateResource[];
  /** The stack's config values (secrets decrypted), for secret references `{ config: key }`. */
  config: Record<string, string>;
}

/** How far back the history is read for the last successful apply (failed runs in between are skipped). */
const HISTORY_DEPTH = 50;

/** The stack's last successful apply, its state's resources and its config: one look before a limited run. */
export async function engineStackFacts(t: EngineTarget): Promise<StackFacts> {
  const stack = await open(t);
  try {
    const [history, exported, config] = await Promise.all([
      stack.history(HISTORY_DEPTH, 1),
      stack.exportStack(),
      stackConfig(t),
    ]);
    const { last, unknown } = lastApplyOf(history);
    const raw = ((exported.deployment as { resources?: unknown[] } | undefined)?.resources ?? []) as {
      urn: string;
      type: string;
      parent?: string;
      inputs?: Record<string, unknown>;
    }[];
    return {
      lastApply: last,
      ...(unknown ? { lastApplyUnknown: unknown } : {}),
      resources: raw.map((r) => ({
        urn: r.urn,
        type: r.type,
        ...(r.parent ? { parent: r.parent } : {}),
        inputs: r.inputs ?? {},
      })),
      config: Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v.value])),
    };
  } catch (e) {
    throw mapEngineError(e, { stack: t.stack, backendUrl: t.backendUrl });
  }
}

/** A managed robot's token, from the state (decrypted). */
export interface RobotToken {
  tenant: string;
  robot: string;
  token: string;
}

/** Every robot's token in the stack's state (the kinds with a `credential`), sorted by tenant and robot. */
export async function engineRobotTokens(t: EngineTarget): Promise<RobotToken[]> {
  const stack = await open(t);
  let exported: Awaited<ReturnType<Stack["exportStack"]>>;
  try {
    exported = await stack.exportStack();
  } catch (e) {
    throw mapEngineError(e, { stack: t.stack, backendUrl: t.backendUrl });
  }
  const resources = ((exported.deployment as { resources?: unknown[] } | undefined)?.resources ?? []) as {
    type: string;
    parent?: string;
    outputs?: Record<string, unknown>;
  }[];
  const out: RobotToken[] = [];
  for (const r of resources) {
    // The kinds whose objects hold a token say where it is (KindInfo.credential): robots.
    const credential = kindInfo(kindOf(r.type) ?? "")?.credential;
    if (!credential) continue;
    const tenant = tenantOf(r.parent) ?? NO_TENANT;
    const robot = r.outputs?.[credential.account];
    const token = secretPlaintext(r.outputs?.[credential.token]);
    if (typeof robot === "string" && token !== undefined) out.push({ tenant, robot, token });
  }
  return out.sort((a, b) =>
    a.tenant === b.tenant ? (a.robot < b.robot ? -1 : 1) : a.tenant < b.tenant ? -1 : 1,
  );
}
