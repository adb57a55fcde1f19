import { isDeepStrictEqual } from "node:util";
import type * as pulumi from "@pulumi/pulumi";
import { ConfigError, type ErrorCode, isQuayGitopsError, QuayGitopsError } from "../src/errors";
import {
  CONNECTION_HELP,
  connectionSource,
  findConnection,
  type QuayConnection,
} from "../src/quay/connection";
import { isQuayApiError } from "../src/quay/errors";
import { journalFromEnv } from "../src/quay/api/journal";
import { describeOutage } from "../src/quay/outage";
import { QuaySession } from "../src/quay/api/session";
import type { AnyKind, Context, Log, ProviderSettings } from "./base";
import { kindByName } from "./registry";

/**
 * What the thin provider closures (providers/dynamic.ts) call in the provider process. Loaded from
 * the compiled project by path, so refresh and delete always run the current code, and the state
 * holds a few lines of closure per resource instead of the whole client (docs/design.md).
 */

/** The value Pulumi sends for inputs that are not known yet during preview (docs/pulumi-engine.md#inputs-and-outputs). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

interface DynamicConfig {
  get(key: string): string | undefined;
}

/** What `configure` resolved: the connection (or why there is none) and the run's flags. */
let configured:
  | { connection: QuayConnection | undefined; problem: unknown; forceDelete: boolean }
  | undefined;
let context: Context | undefined;

const log: Log = {
  // The engine shows a dynamic provider's stdout as info diagnostics (docs/pulumi-engine.md#errors).
  info: (m) => process.stdout.write(`${m}\n`),
  warn: (m) => process.stdout.write(`warning: ${m}\n`),
};

/**
 * The Quay connection from the stack config the engine hands over (secrets decrypted), with the
 * environment as fallback (src/quay/connection.ts). It is read here at every run and never stored
 * as resource inputs: rotating the token or password, or moving the URL, changes no resource and
 * puts no credential in the state.
 */
export function configure(config: DynamicConfig): void {
  let connection: QuayConnection | undefined;
  let problem: unknown;
  try {
    connection = findConnection(connectionSource((k) => config.get(k), process.env));
  } catch (e) {
    problem = e;
  }
  const forceDelete = process.env.QUAY_GITOPS_FORCE_DELETE === "1";
  // Called once per kind (one provider text each, docs/pulumi-engine.md#provider-text); all kinds share one
  // session, so one cache, one connection pool and one sign-in (the run's, journal.ts) serve the
  // whole process.
  if (
    configured &&
    configured.problem === undefined &&
    problem === undefined &&
    configured.forceDelete === forceDelete &&
    (configured.connection === connection ||
      (configured.connection !== undefined &&
        connection !== undefined &&
        configured.connection.sameAs(connection)))
  ) {
    return;
  }
  configured = { connection, problem, forceDelete };
  context = undefined;
}

function ctx(): Context {
  if (context) return context;
  if (!configured) configure({ get: () => undefined });
  const c = configured!;
  if (c.problem !== undefined) throw c.problem;
  if (!c.connection) throw new ConfigError(`no Quay connection: ${CONNECTION_HELP}`);
  const journal = journalFromEnv(process.env);
  const client = c.connection.client({
    userAgent: "quay-gitops",
    // The engine shows it among the run's messages; the CLI's summary repeats it.
    onOutage: (o) => log.info(describeOutage(o)),
    // The session the run signed in already (the CLI's preflight): no sign-in of our own.
    sessionStore: journal.sessionStore,
  });
  const settings: ProviderSettings = { url: c.connection.url, forceDelete: c.forceDelete };
  context = { session: new QuaySession(client, journal), settings, log };
  return context;
}

// biome-ignore lint/suspicious/noExplicitAny: Pulumi hands over untyped property bags
type Props = Record<string, any>;

function strip(p: Props): Props {
  const { __provider: _, ...rest } = p;
  return rest;
}

function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

/** JSON equality where an absent field equals `undefined`. */
export function sameValue(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? null)), JSON.parse(JSON.stringify(b ?? null)));
}

function kind(name: string): AnyKind {
  const k = kindByName(name);
  if (!k) throw new QuayGitopsError("QG_ERR_ENGINE", `unknown Quay object kind '${name}'`);
  return k;
}

/**
 * An error for the engine: what happened to which object, without a stack trace. Pulumi's provider
 * host prints `${e}: ${e.stack}` for failed reads and deletes (docs/pulumi-engine.md#errors), which for a Quay
 * answer would bury the message under frames of our client; the message is the whole story.
 */
export class ProviderError extends QuayGitopsError {
  constructor(code: ErrorCode, message: string, cause: unknown) {
    super(code, message, { cause });
    this.stack = message;
  }
  override toString(): string {
    return "quay-gitops";
  }
}

/**
 * How messages name an object: by its readable label (the id a kind gives its inputs alone), not by
 * Quay's uuid, which is the Pulumi id of a default permission or an auto-prune policy.
 */
function label(k: AnyKind, d: Props, id: string): string {
  try {
    return k.id(d);
  } catch {
    return id; // inputs too incomplete for a label (an import by id)
  }
}

/** Errors carry Quay's answer and, for an endpoint that is not there, the feature flag to check. */
function explain(k: AnyKind, id: string, e: unknown): Error {
  const gate = k.info.feature;
  const feature = gate && `${gate.flag}${gate.also ? ` (with ${gate.also.join(" and ")})` : ""}`;
  if (isQuayApiError(e) && e.unrouted && feature) {
    return new ProviderError(
      "QG_ERR_CAPABILITY",
      `${k.kind} ${id}: the registry does not offer ${e.method} ${e.path}; ${feature} looks disabled in Quay's config.yaml`,
      e,
    );
  }
  // Reads are cached and shared, so one error object may reach several resources: never mutate it.
  if (isQuayGitopsError(e)) return new ProviderError(e.code, `${k.kind} ${id}: ${e.message}`, e);
  // Anything else is a bug of ours: keep its stack.
  const wrapped = new Error(`${k.kind} ${id}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  if (e instanceof Error && e.stack)
    wrapped.stack = `${wrapped.message}\n${e.stack.split("\n").slice(1).join("\n")}`;
  return wrapped;
}

export async function check(kindName: string, _olds: Props, news: Props) {
  const k = kind(kindName);
  const inputs = strip(news);
  const failures: { property: string; reason: string }[] = [];
  if (!containsUnknown(inputs)) {
    for (const [property, reason] of k.validate(inputs)) failures.push({ property, reason });
  }
  const normalized =
    failures.length === 0 && !containsUnknown(inputs) && k.normalize ? k.normalize(inputs) : inputs;
  return { inputs: { ...normalized, __provider: news.__provider }, failures };
}

export async function diff(kindName: string, _id: string, olds: Props, news: Props) {
  const k = kind(kindName);
  const changed = k.fields.filter((f) => containsUnknown(news[f]) || !sameValue(olds[f], news[f]));
  const replaces = changed.filter((f) => f in k.replaceOn);
  return {
    changes: changed.length > 0,
    replaces,
    deleteBeforeReplace: replaces.length > 0 && k.deleteBeforeReplace === true,
  };
}

export async function create(kindName: string, inputs: Props) {
  const k = kind(kindName);
  const d = strip(inputs);
  const id = k.id(d);
  try {
    const live = await k.create(ctx(), d);
    return { id: k.id(d, live), outs: { ...live, __provider: inputs.__provider } };
  } catch (e) {
    throw explain(k, id, e);
  }
}

export async function read(kindName: string, id: string, props: Props) {
  const k = kind(kindName);
  const state = strip(props);
  try {
    const live = await k.read(ctx(), id, state);
    if (!live) return { id: undefined, props: {} };
    const inputs: Props = {};
    for (const f of k.fields) {
      if (!k.secretFields?.includes(f) && live[f] !== undefined) inputs[f] = live[f];
    }
    return { id, props: { ...live, __provider: props.__provider }, inputs };
  } catch (e) {
    throw explain(k, label(k, state, id), e);
  }
}

export async function update(kindName: string, id: string, olds: Props, news: Props) {
  const k = kind(kindName);
  const state = strip(olds);
  const d = strip(news);
  const changed = new Set(k.fields.filter((f) => !sameValue(state[f], d[f])));
  try {
    const live = await k.update(ctx(), id, state, d, changed);
    // Always the complete outputs: an update without outs wipes them (docs/pulumi-engine.md#provider-host, #9982).
    return { outs: { ...live, __provider: news.__provider } };
  } catch (e) {
    throw explain(k, label(k, d, id), e);
  }
}

export async function remove(kindName: string, id: string, props: Props) {
  const k = kind(kindName);
  try {
    await k.delete(ctx(), id, strip(props));
  } catch (e) {
    throw explain(k, label(k, strip(props), id), e);
  }
}

/**
 * The provider object of one kind, as the `__provider` text (providers/dynamic.ts) asks for it in
 * the provider process: Pulumi's dynamic-provider host calls its methods for every resource whose
 * state carries that text.
 */
export function provider(kindName: string): pulumi.dynamic.ResourceProvider {
  return {
    configure: async (req) => configure(req.config),
    check: async (olds, news) => check(kindName, olds, news),
    diff: async (id, olds, news) => diff(kindName, id, olds, news),
    create: async (inputs) => create(kindName, inputs),
    read: async (id, props) => read(kindName, id, props),
    update: async (id, olds, news) => update(kindName, id, olds, news),
    delete: async (id, props) => remove(kindName, id, props),
  };
}
