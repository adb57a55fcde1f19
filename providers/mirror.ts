import { mirror as descriptor } from "../src/kinds/mirror";
import {
  createMirror,
  getMirror,
  type MirrorView,
  type MirrorWrite,
  quayMirrorDate,
  updateMirror,
} from "../src/quay/api/mirrors";
import { getRepository, setState } from "../src/quay/api/repositories";
import { ObjectGoneError, QuayGitopsError } from "../src/errors";
import { orgScope } from "../src/quay/api/session";
import type { Context, Kind } from "./base";
import { type Failures, namespaceName, positiveInt, repositoryName, robotIn } from "./validate";

export interface MirrorProxy {
  http?: string;
  https?: string;
  noProxy?: string;
}

/** A repository mirror (docs/quay-api.md#mirrors): Quay pulls `externalReference` into the repository. */
export interface MirrorInputs {
  namespace: string;
  repository: string;
  externalReference: string;
  /** Tag globs (root_rule tag_glob_csv). */
  tags: string[];
  syncIntervalSeconds: number;
  /** Robot full name, of the same organization. */
  robot: string;
  username?: string;
  /** Write-only in Quay: kept in the (encrypted) state, never read back. */
  password?: string;
  /** Where the password comes from (`env:NAME`, `config:key`): a new reference updates it too. */
  passwordRef?: string;
  verifyTls: boolean;
  unsignedImages: boolean;
  proxy?: MirrorProxy;
  /** Mirroring on: `is_enabled` and the repository in state MIRROR (the worker needs both, docs/quay-api.md#mirrors). */
  enabled: boolean;
  skopeoTimeoutSeconds: number;
  architectureFilter: string[];
}

export interface MirrorState extends MirrorInputs {
  /** Sent once at create; the mirror worker rewrites it after every sync (docs/quay-api.md#mirrors), so it is not compared. */
  syncStartDate: string;
}

function proxyOf(v: MirrorView["external_registry_config"]["proxy"]): MirrorProxy | undefined {
  if (!v) return undefined;
  const p: MirrorProxy = {};
  if (v.http_proxy) p.http = v.http_proxy;
  if (v.https_proxy) p.https = v.https_proxy;
  if (v.no_proxy) p.noProxy = v.no_proxy;
  return Object.keys(p).length ? p : undefined;
}

/** Live mirror in our terms, ignoring what the worker rewrites (sync status, dates, retries). */
export function mirrorOf(v: MirrorView, repoState: string | undefined, state: MirrorState): MirrorState {
  const live: MirrorState = {
    namespace: state.namespace,
    repository: state.repository,
    externalReference: v.external_reference,
    tags: [...v.root_rule.rule_value].sort(),
    syncIntervalSeconds: v.sync_interval,
    robot: v.robot_username,
    verifyTls: v.external_registry_config?.verify_tls ?? true,
    unsignedImages: v.external_registry_config?.unsigned_images ?? false,
    enabled: v.is_enabled && repoState === "MIRROR",
    skopeoTimeoutSeconds: v.skopeo_timeout_interval,
    architectureFilter: [...(v.architecture_filter ?? [])].sort(),
    syncStartDate: state.syncStartDate,
  };
  if (v.external_registry_username) live.username = v.external_registry_username;
  if (state.password !== undefined) live.password = state.password;
  if (state.passwordRef !== undefined) live.passwordRef = state.passwordRef;
  const proxy = proxyOf(v.external_registry_config?.proxy);
  if (proxy) live.proxy = proxy;
  return live;
}

const configOf = (d: MirrorInputs): NonNullable<MirrorWrite["external_registry_config"]> => ({
  verify_tls: d.verifyTls,
  unsigned_images: d.unsignedImages,
  proxy: {
    http_proxy: d.proxy?.http ?? null,
    https_proxy: d.proxy?.https ?? null,
    no_proxy: d.proxy?.noProxy ?? null,
  },
});

function fullWrite(d: MirrorInputs): MirrorWrite {
  const w: MirrorWrite = {
    is_enabled: d.enabled,
    external_reference: d.externalReference,
    sync_interval: d.syncIntervalSeconds,
    root_rule: { rule_kind: "tag_glob_csv", rule_value: d.tags },
    robot_username: d.robot,
    skopeo_timeout_interval: d.skopeoTimeoutSeconds,
    architecture_filter: d.architectureFilter,
    external_registry_config: configOf(d),
  };
  // Quay takes a password only together with its username (docs/quay-api.md#mirrors).
  if (d.username !== undefined) {
    w.external_registry_username = d.username;
    w.external_registry_password = d.password ?? null;
  }
  return w;
}

async function setRepoState(c: Context, d: MirrorInputs, want: "MIRROR" | "NORMAL"): Promise<void> {
  const repo = await getRepository(c.session, d.namespace, d.repository);
  if (repo && repo.state !== want) await setState(c.session, d.namespace, d.repository, want);
}

/** Only the changed fields, each of which Quay logs as its own change (docs/quay-api.md#mirrors). */
async function converge(
  c: Context,
  live: MirrorState | undefined,
  d: MirrorInputs,
  view: MirrorView | undefined,
): Promise<void> {
  const w: MirrorWrite = {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (!live || live.externalReference !== d.externalReference) w.external_reference = d.externalReference;
  if (!live || !same(live.tags, d.tags)) w.root_rule = { rule_kind: "tag_glob_csv", rule_value: d.tags };
  if (!live || live.syncIntervalSeconds !== d.syncIntervalSeconds) w.sync_interval = d.syncIntervalSeconds;
  if (!live || live.robot !== d.robot) w.robot_username = d.robot;
  if (!live || live.skopeoTimeoutSeconds !== d.skopeoTimeoutSeconds)
    w.skopeo_timeout_interval = d.skopeoTimeoutSeconds;
  if (!live || !same(live.architectureFilter, d.architectureFilter))
    w.architecture_filter = d.architectureFilter;
  if (!live || view?.is_enabled !== d.enabled) w.is_enabled = d.enabled;
  if (
    !live ||
    live.verifyTls !== d.verifyTls ||
    live.unsignedImages !== d.unsignedImages ||
    !same(live.proxy, d.proxy)
  ) {
    w.external_registry_config = configOf(d);
  }
  if (
    !live ||
    live.username !== d.username ||
    live.password !== d.password ||
    live.passwordRef !== d.passwordRef
  ) {
    w.external_registry_username = d.username ?? null;
    w.external_registry_password = d.username !== undefined ? (d.password ?? null) : null;
  }
  if (Object.keys(w).length > 0) {
    // Quay drops the first proxy value it merges into a stored config without a `proxy` key (docs/quay-api.md#mirrors);
    // a first write creates the key.
    if (w.external_registry_config && view && !view.external_registry_config?.proxy && d.proxy) {
      await updateMirror(c.session, d.namespace, d.repository, { external_registry_config: configOf(d) });
    }
    await updateMirror(c.session, d.namespace, d.repository, w);
  }
  await setRepoState(c, d, d.enabled ? "MIRROR" : "NORMAL");
}

export const mirror: Kind<MirrorInputs, MirrorState> = {
  info: descriptor,
  kind: descriptor.name,
  fields: [
    "namespace",
    "repository",
    "externalReference",
    "tags",
    "syncIntervalSeconds",
    "robot",
    "username",
    "password",
    "passwordRef",
    "verifyTls",
    "unsignedImages",
    "proxy",
    "enabled",
    "skopeoTimeoutSeconds",
    "architectureFilter",
  ],
  replaceOn: {
    namespace: "a mirror belongs to one repository",
    repository: "a mirror belongs to one repository",
  },
  secretFields: ["password"],
  validate(d) {
    const f: Failures = [];
    namespaceName(f, "namespace", d.namespace);
    repositoryName(f, "repository", d.repository);
    robotIn(f, "robot", d.robot, d.namespace);
    if (
      typeof d.externalReference !== "string" ||
      /^[a-z]+:\/\//i.test(d.externalReference) ||
      !/^[^/\s?#\\%]+\/[^\s?#\\%]+$/.test(d.externalReference)
    ) {
      f.push([
        "externalReference",
        "must be registry[:port]/namespace/repository without a scheme (docs/quay-api.md#mirrors)",
      ]);
    }
    if (!Array.isArray(d.tags) || d.tags.length === 0) f.push(["tags", "needs at least one tag glob"]);
    positiveInt(f, "syncIntervalSeconds", d.syncIntervalSeconds, 0);
    positiveInt(f, "skopeoTimeoutSeconds", d.skopeoTimeoutSeconds, 300);
    if (d.password !== undefined && d.username === undefined)
      f.push([
        "password",
        "needs a username: Quay sets a password only with its username (docs/quay-api.md#mirrors)",
      ]);
    return f;
  },
  normalize: (d) => ({
    ...d,
    tags: [...d.tags].sort(),
    architectureFilter: [...(d.architectureFilter ?? [])].sort(),
  }),
  id: (d) => `${d.namespace}/${d.repository}`,

  async create(c, d) {
    const syncStartDate = quayMirrorDate(new Date());
    // Look first while the organization holds only what was there before this run: adopting an equal
    // mirror then sends no write.
    let view = c.session.wrote(orgScope(d.namespace))
      ? undefined
      : await getMirror(c.session, d.namespace, d.repository);
    if (!view) {
      const result = await createMirror(c.session, d.namespace, d.repository, {
        ...fullWrite(d),
        sync_start_date: syncStartDate,
      });
      if (result === "created") {
        // Creating sets the repository to MIRROR (docs/quay-api.md#mirrors); a disabled mirror leaves it NORMAL.
        if (!d.enabled) await setRepoState(c, d, "NORMAL");
        return { ...d, syncStartDate };
      }
      // 409: a config exists (mirrors cannot be deleted, docs/quay-api.md#mirrors: e.g. one we disabled earlier). Adopt it.
      view = await getMirror(c.session, d.namespace, d.repository);
    }
    if (!view)
      throw new QuayGitopsError(
        "QG_ERR_QUAY_RESPONSE",
        `mirror of ${d.namespace}/${d.repository} exists but cannot be read`,
      );
    const repo = await getRepository(c.session, d.namespace, d.repository);
    const start = view.sync_start_date ?? syncStartDate;
    // Quay never returns the password (docs/quay-api.md#mirrors). A mirror stored with the declared
    // username is adopted with the password it holds: the declared value is recorded as what Quay
    // has, so adopting sends no write, and a later change of the value (or its reference) is sent.
    const sameUser = d.username !== undefined && view.external_registry_username === d.username;
    const live = mirrorOf(view, repo?.state, {
      ...d,
      syncStartDate: start,
      password: sameUser ? d.password : undefined,
      passwordRef: sameUser ? d.passwordRef : undefined,
    } as MirrorState);
    c.log.info(
      `adopted existing mirror configuration of ${d.namespace}/${d.repository}${sameUser ? ` with the password Quay holds for ${d.username} (the value of ${d.passwordRef ?? "the reference"} is taken as that one; change it to send a new one)` : ""}`,
    );
    await converge(c, live, d, view);
    return { ...d, syncStartDate: start };
  },

  async read(c, _id, state) {
    const [view, repo] = await Promise.all([
      getMirror(c.session, state.namespace, state.repository),
      getRepository(c.session, state.namespace, state.repository),
    ]);
    if (!view || !repo) return undefined;
    return mirrorOf(view, repo.state, state);
  },

  async update(c, _id, state, d) {
    const [view, repo] = await Promise.all([
      getMirror(c.session, d.namespace, d.repository),
      getRepository(c.session, d.namespace, d.repository),
    ]);
    if (!view) throw new ObjectGoneError(`mirror of ${d.namespace}/${d.repository}`);
    await converge(c, mirrorOf(view, repo?.state, state), d, view);
    return { ...d, syncStartDate: state.syncStartDate };
  },

  async delete(c, _id, state) {
    // Quay has no mirror delete (docs/quay-api.md#mirrors): disable it and give the repository back its NORMAL state.
    const view = await getMirror(c.session, state.namespace, state.repository);
    if (!view) return;
    if (view.is_enabled)
      await updateMirror(c.session, state.namespace, state.repository, { is_enabled: false });
    await setRepoState(c, state, "NORMAL");
    c.log.info(
      `disabled the mirror of ${state.namespace}/${state.repository} (Quay cannot delete mirror configurations)`,
    );
  },
};
