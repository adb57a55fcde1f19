import { trackAndLog } from "../audit";
import { body, type Ctx, created, noContent, ok, type Reply } from "../context";
import { DataModelError, DetailError, internalError, invalidRequest, notFound } from "../errors";
import type { Account, Mirror, Repository } from "../state";
import { isoMicros, parseMirrorDate, pyDatetimeString } from "../views";
import { requireRepo } from "./repositories";
import { apiRoute, gates } from "./shared";

/** Repository mirroring (docs/quay-api.md#mirrors); the worker's part is in ../mirrorworker.ts. */

const COMMON = {
  is_enabled: { type: "boolean" },
  external_reference: { type: "string" },
  external_registry_username: { type: ["string", "null"] },
  external_registry_password: { type: ["string", "null"] },
  sync_start_date: { type: "string" },
  sync_interval: { type: "integer", minimum: 0 },
  robot_username: { type: "string" },
  root_rule: {
    type: "object",
    required: ["rule_kind", "rule_value"],
    properties: {
      rule_kind: { type: "string", enum: ["tag_glob_csv"] },
      rule_value: { type: "array", items: { type: "string" } },
    },
  },
  external_registry_config: {
    type: "object",
    properties: {
      verify_tls: { type: "boolean" },
      unsigned_images: { type: "boolean" },
      proxy: {
        type: "object",
        properties: {
          https_proxy: { type: ["string", "null"] },
          http_proxy: { type: ["string", "null"] },
          no_proxy: { type: ["string", "null"] },
        },
      },
    },
  },
  skopeo_timeout_interval: { type: "integer", minimum: 300 },
  architecture_filter: { type: ["array", "null"], items: { type: "string" } },
};

const CREATE_MIRROR = {
  type: "object",
  required: [
    "external_reference",
    "sync_interval",
    "sync_start_date",
    "root_rule",
    "skopeo_timeout_interval",
  ],
  properties: COMMON,
};

const UPDATE_MIRROR = { type: "object", properties: COMMON };

const VALID_ARCHITECTURES = new Set(["amd64", "arm64", "ppc64le", "s390x"]);

interface MirrorBody {
  is_enabled?: boolean;
  external_reference?: string;
  external_registry_username?: string | null;
  external_registry_password?: string | null;
  sync_start_date?: string;
  sync_interval?: number;
  robot_username?: string;
  root_rule?: { rule_kind: string; rule_value: string[] };
  external_registry_config?: Record<string, unknown>;
  skopeo_timeout_interval?: number;
  architecture_filter?: string[] | null;
}

/**
 * Quay 3.18.0 checks an `external_reference` only on update, and only for the empty string (observed:
 * `example.com` and `https://quay.io/a/b` are stored as given; newer Quay checks the syntax).
 */
function referenceCheck(reference: string): void {
  if (reference === "") throw new DetailError(400, "Empty string is an invalid repository location.");
}

function architectureCheck(ctx: Ctx, filter: string[] | null | undefined): void {
  if (filter && filter.length > 0 && !ctx.config.feature("FEATURE_SPARSE_INDEX")) {
    throw new DetailError(400, "Architecture filtering requires FEATURE_SPARSE_INDEX to be enabled.");
  }
  const invalid = [...new Set((filter ?? []).filter((a) => !VALID_ARCHITECTURES.has(a)))].sort();
  if (invalid.length > 0) throw new DetailError(400, `Invalid architectures: ${invalid.join(", ")}`);
}

/** validate_rule: a ValidationError inside the handler becomes a 400 ApiException. */
function ruleCheck(ruleValue: unknown): void {
  if (!Array.isArray(ruleValue) || ruleValue.length < 1) {
    throw invalidRequest(
      "validation failed: rule_value for TAG_GLOB_CSV must be a list with at least one rule",
    );
  }
}

/** _setup_robot_for_mirroring's checks: unknown robot, robot of another namespace (docs/quay-api.md#mirrors). */
function mirrorRobot(ctx: Ctx, namespace: string, robotName: string): Account {
  const robot = ctx.store.account(robotName);
  if (robot?.kind !== "robot") throw new DataModelError("Could not find robot with specified username");
  if (robotName.split("+")[0] !== namespace) throw new DataModelError("Invalid robot");
  return robot;
}

/** The robot gets `write` when it has no permission or only `read` (docs/quay-api.md#mirrors, docs/quay-api.md#emulator-gotchas). */
function grantRobotWrite(ctx: Ctx, repo: Repository, robot: Account): void {
  const first = ctx.store.permissionsOf(repo.id, robot.id)[0];
  if (!first || first.role === "read") ctx.store.setPermission(repo.id, { userId: robot.id }, "write");
}

function mirrorView(ctx: Ctx, m: Mirror): unknown {
  return {
    is_enabled: m.isEnabled,
    mirror_type: "PULL",
    external_reference: m.externalReference,
    external_registry_username: m.username,
    external_registry_config: m.registryConfig ?? {},
    sync_interval: m.syncInterval,
    sync_start_date: m.syncStartUs === null ? null : isoMicros(m.syncStartUs),
    sync_expiration_date: m.syncExpirationUs === null ? null : isoMicros(m.syncExpirationUs),
    sync_retries_remaining: m.retriesRemaining,
    sync_status: m.status,
    root_rule: { rule_kind: "tag_glob_csv", rule_value: m.ruleValue },
    robot_username: ctx.store.accounts.get(m.robotId)?.username ?? null,
    skopeo_timeout_interval: m.skopeoTimeout,
    architecture_filter: m.architectureFilter ?? [],
  };
}

function repoAndMirror(ctx: Ctx, namespace: string, name: string): { repo: Repository; mirror: Mirror } {
  const repo = ctx.store.repo(namespace, name);
  if (!repo) throw notFound();
  const mirror = ctx.store.mirrorOf(repo.id);
  if (!mirror) throw notFound();
  return { repo, mirror };
}

function getMirror(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3, true);
  return ok(mirrorView(ctx, repoAndMirror(ctx, namespace, name).mirror));
}

function createMirror(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const data = body<MirrorBody>(ctx, CREATE_MIRROR);
  const { store } = ctx;
  const repo = store.repo(namespace, name);
  if (!repo) throw notFound();
  if (store.mirrorOf(repo.id)) {
    throw new DetailError(409, `Mirror configuration already exits for repository ${namespace}/${name}`);
  }
  const start = parseMirrorDate(data.sync_start_date as string);
  // Quay 3.18.0 parses the date outside any try block: an HTML 500 and nothing stored (docs/quay-api.md#mirrors).
  if (start === undefined)
    throw internalError("ValueError: time data does not match format '%Y-%m-%dT%H:%M:%SZ'");
  ruleCheck(data.root_rule?.rule_value);
  // robot_username is not in the schema's `required`: a missing one is a KeyError (docs/quay-api.md#mirrors).
  if (data.robot_username === undefined) throw internalError("KeyError: 'robot_username'");
  const robot = mirrorRobot(ctx, namespace, data.robot_username);
  grantRobotWrite(ctx, repo, robot);
  const mirror: Mirror = {
    id: store.newId(),
    repoId: repo.id,
    isEnabled: data.is_enabled ?? true,
    externalReference: data.external_reference as string,
    username: data.external_registry_username || null,
    password: data.external_registry_password || null,
    registryConfig: data.external_registry_config ?? {},
    syncInterval: data.sync_interval as number,
    syncStartUs: start,
    syncExpirationUs: null,
    retriesRemaining: 3,
    status: "NEVER_RUN",
    ruleValue: (data.root_rule as { rule_value: string[] }).rule_value,
    robotId: robot.id,
    skopeoTimeout: data.skopeo_timeout_interval as number,
    architectureFilter: null,
    claimed: false,
  };
  store.mirrors.set(mirror.id, mirror);
  // Side effect (docs/quay-api.md#mirrors): the repository switches to MIRROR.
  repo.state = "MIRROR";
  // Quay 3.18.0 checks the architecture filter after the mirror is stored: a refused filter is a 400
  // with the mirror (and its robot grant) in place and no log entry; a retry then meets the 409.
  if (data.architecture_filter !== undefined && data.architecture_filter !== null) {
    architectureCheck(ctx, data.architecture_filter);
    mirror.architectureFilter = data.architecture_filter;
  }
  trackAndLog(ctx, "repo_mirror_config_changed", repo, namespace, {
    changed: "external_reference",
    to: mirror.externalReference,
  });
  return created("");
}

/** change_external_registry_config, one key per call, including its `proxy` quirk (docs/quay-api.md#mirrors). */
function mergeRegistryConfig(m: Mirror, key: string, value: unknown): void {
  const cfg = m.registryConfig;
  if (key === "verify_tls" || key === "unsigned_images") {
    cfg[key] = value;
    return;
  }
  if (!cfg.proxy || typeof cfg.proxy !== "object") {
    // The first proxy key only creates an empty `proxy` object; its value is dropped.
    cfg.proxy = {};
    return;
  }
  (cfg.proxy as Record<string, unknown>)[key] = value;
}

function updateMirror(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const data = body<MirrorBody>(ctx, UPDATE_MIRROR);
  const { repo, mirror } = repoAndMirror(ctx, namespace, name);
  // Every value is validated before anything changes (docs/quay-api.md#mirrors).
  if (data.external_reference !== undefined) referenceCheck(data.external_reference);
  let start: number | undefined;
  if (data.sync_start_date !== undefined) {
    start = parseMirrorDate(data.sync_start_date);
    if (start === undefined) throw new DetailError(400, "Incorrect DateTime format for sync_start_date.");
  }
  if ("architecture_filter" in data) architectureCheck(ctx, data.architecture_filter);
  if ("external_registry_password" in data && !("external_registry_username" in data)) {
    throw new DetailError(400, "Unable to set a new password without also specifying a username.");
  }
  if (
    "external_registry_username" in data &&
    "external_registry_password" in data &&
    data.external_registry_username === null &&
    data.external_registry_password !== null
  ) {
    throw new DetailError(400, "Unable to delete username while setting a password.");
  }
  if (data.root_rule !== undefined) ruleCheck(data.root_rule.rule_value);
  const robot =
    data.robot_username !== undefined ? mirrorRobot(ctx, namespace, data.robot_username) : undefined;

  const changed = (field: string, to: unknown) =>
    trackAndLog(ctx, "repo_mirror_config_changed", repo, namespace, { changed: field, to });
  if (data.is_enabled !== undefined) {
    mirror.isEnabled = data.is_enabled;
    changed("is_enabled", data.is_enabled);
  }
  if (data.external_reference !== undefined) {
    mirror.externalReference = data.external_reference;
    changed("external_reference", data.external_reference);
  }
  if (robot) {
    grantRobotWrite(ctx, repo, robot);
    mirror.robotId = robot.id;
    changed("robot_username", robot.username);
  }
  if (start !== undefined) {
    mirror.syncStartUs = start;
    changed("sync_start_date", pyDatetimeString(start));
  }
  if (data.sync_interval !== undefined) {
    mirror.syncInterval = data.sync_interval;
    changed("sync_interval", data.sync_interval);
  }
  if (data.skopeo_timeout_interval !== undefined) {
    mirror.skopeoTimeout = data.skopeo_timeout_interval;
    changed("skopeo_timeout_interval", data.skopeo_timeout_interval);
  }
  if ("architecture_filter" in data) {
    mirror.architectureFilter = data.architecture_filter ?? [];
    changed("architecture_filter", data.architecture_filter ?? null);
  }
  if ("external_registry_username" in data && "external_registry_password" in data) {
    mirror.username = data.external_registry_username ?? null;
    mirror.password = data.external_registry_password ?? null;
    changed("external_registry_username", mirror.username);
    changed("external_registry_password", mirror.password === null ? null : "********");
  } else if ("external_registry_username" in data) {
    // A username alone keeps the stored password.
    mirror.username = data.external_registry_username ?? null;
    changed("external_registry_username", mirror.username);
  }
  const cfg = data.external_registry_config;
  if (cfg) {
    for (const key of ["verify_tls", "unsigned_images"]) {
      if (key in cfg) {
        mergeRegistryConfig(mirror, key, cfg[key]);
        changed(key, cfg[key]);
      }
    }
    const proxy = cfg.proxy as Record<string, unknown> | undefined;
    if (proxy) {
      for (const key of ["http_proxy", "https_proxy", "no_proxy"]) {
        if (key in proxy) {
          mergeRegistryConfig(mirror, key, proxy[key]);
          changed(key, proxy[key]);
        }
      }
    }
  }
  if (data.root_rule !== undefined) {
    mirror.ruleValue = data.root_rule.rule_value;
    changed("mirror_rule", data.root_rule.rule_value);
  }
  // 201 with an empty body, not 200 (docs/quay-api.md#mirrors).
  return created("");
}

function syncNow(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const { repo, mirror } = repoAndMirror(ctx, namespace, name);
  if (mirror.status === "SYNCING") throw notFound();
  mirror.status = "SYNC_NOW";
  mirror.syncExpirationUs = null;
  mirror.retriesRemaining = Math.max(mirror.retriesRemaining, 1);
  trackAndLog(ctx, "repo_mirror_config_changed", repo, namespace, { changed: "sync_status", to: "SYNC_NOW" });
  return noContent();
}

function syncCancel(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const { repo, mirror } = repoAndMirror(ctx, namespace, name);
  if (mirror.status !== "SYNCING" && mirror.status !== "SYNC_NOW") throw notFound();
  mirror.status = "CANCEL";
  mirror.syncExpirationUs = null;
  mirror.retriesRemaining = 0;
  trackAndLog(ctx, "repo_mirror_config_changed", repo, namespace, {
    changed: "sync_status",
    to: "SYNC_CANCEL",
  });
  return noContent();
}

const mirror = { enabled: gates.mirror };

export const mirrorRoutes = [
  apiRoute(
    "/api/v1/repository/{repository:repo}/mirror",
    { GET: getMirror, POST: createMirror, PUT: updateMirror },
    mirror,
  ),
  apiRoute("/api/v1/repository/{repository:repo}/mirror/sync-now", { POST: syncNow }, mirror),
  apiRoute("/api/v1/repository/{repository:repo}/mirror/sync-cancel", { POST: syncCancel }, mirror),
];
