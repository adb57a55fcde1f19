import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../src/engine/env";

/**
 * One sequence of API writes, the ones quay-gitops' providers make and the out-of-band changes drift
 * attribution has to explain (immutability policies need FEATURE_IMMUTABLE_TAGS on), run against a Quay (the real one in the acceptance tier, the emulator in
 * the integration tier), with the audit log entries they leave read back and normalized: names become
 * placeholders, ids and times are dropped. The entries of Quay 3.18.0 are recorded in
 * test/fixtures/quay-3.18.0/audit-log.json; the emulator must log exactly those.
 */

export type ScenarioApi = (
  method: string,
  apiPath: string,
  body?: unknown,
) => Promise<{ status: number; data: unknown }>;

export interface ScenarioNames {
  /** The organization most steps write in. */
  org: string;
  /** A second organization for the proxy cache (Quay wants it empty). */
  proxyOrg: string;
  /** A user created and deleted through the superuser API. */
  user: string;
  /** An organization changed by hand: in a signed-in session, as in the web UI. */
  sessionOrg: string;
}

/** The User-Agent of every scenario request: mirror entries record it. */
export const SCENARIO_USER_AGENT = "quay-gitops-audit-scenario";

export interface NormalizedEntry {
  kind: string;
  metadata: Record<string, unknown>;
  performer: string | null;
  /** Superuser log only. */
  namespace?: string;
}

export interface ScenarioResult {
  /** The organization's log, newest first. */
  org: NormalizedEntry[];
  /** The proxy-cache organization's log. */
  proxyOrg: NormalizedEntry[];
  /** The superuser log's entries about the scenario's names, newest first. */
  superuser: NormalizedEntry[];
  /** The log of the organization changed in a session (absent when no session was given). */
  session?: NormalizedEntry[];
}

/** Values that differ from run to run (ids Quay hands out, tokens); kept as their type only. */
const VOLATILE = new Set([
  "oauth_token_id",
  "oauth_token_application_id",
  "oauth_token_application",
  "prototypeid",
  "policy_uuid",
  "notification_id",
  "quota_id",
  "limit_id",
  "id",
]);

function placeholder(names: ScenarioNames, me: string, v: unknown): unknown {
  if (typeof v === "string") {
    const swaps: [string, string][] = [
      [names.proxyOrg, "<proxy-org>"],
      [names.sessionOrg, "<session-org>"],
      [names.org, "<org>"],
      [names.user, "<user>"],
    ];
    // The token's user is a plain word (`admin`, also a role): only the whole value is a name.
    if (v === me) return "<me>";
    let out = v;
    for (const [from, to] of swaps) out = out.split(from).join(to);
    return out;
  }
  if (Array.isArray(v)) return v.map((x) => placeholder(names, me, x));
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, placeholder(names, me, x)]));
  return v;
}

export interface RawEntry {
  kind: string;
  metadata?: Record<string, unknown> | null;
  datetime: string;
  performer?: { name: string } | null;
  namespace?: { name: string } | null;
}

const SUPERUSER_KINDS = new Set(["user_create", "user_delete", "org_create", "org_delete"]);

/** Quay renames a deleted user or organization to a random UUID before it is garbage-collected. */
const DELETED_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function normalizeEntry(e: RawEntry, names: ScenarioNames, me: string): NormalizedEntry {
  const metadata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e.metadata ?? {})) {
    metadata[k] = VOLATILE.has(k) ? `<${typeof v}>` : placeholder(names, me, v);
  }
  const out: NormalizedEntry = {
    kind: e.kind,
    metadata,
    performer: e.performer ? (placeholder(names, me, e.performer.name) as string) : null,
  };
  if (e.namespace)
    out.namespace = DELETED_NAME.test(e.namespace.name)
      ? "<deleted namespace>"
      : (placeholder(names, me, e.namespace.name) as string);
  return out;
}

const logDay = (d: Date) =>
  `${String(d.getUTCMonth() + 1).padStart(2, "0")}/${String(d.getUTCDate()).padStart(2, "0")}/${d.getUTCFullYear()}`;

/** Pages of a log, newest first, until `stop` says an entry is older than what is wanted. */
export async function readLog(
  api: ScenarioApi,
  base: string,
  since: Date,
  stop: (e: RawEntry) => boolean,
): Promise<RawEntry[]> {
  const out: RawEntry[] = [];
  let next: string | undefined;
  const day = logDay(since);
  const today = logDay(new Date(Date.now() + 86_400_000));
  for (let page = 0; page < 100; page++) {
    const q = `starttime=${encodeURIComponent(day)}&endtime=${encodeURIComponent(today)}${next ? `&next_page=${encodeURIComponent(next)}` : ""}`;
    const r = await api("GET", `${base}?${q}`);
    if (r.status !== 200) throw new Error(`GET ${base}: ${r.status} ${JSON.stringify(r.data)}`);
    const data = r.data as { logs: RawEntry[]; next_page?: string };
    if (data.logs.length === 0) break;
    for (const e of data.logs) {
      if (stop(e)) return out;
      out.push(e);
    }
    if (!data.next_page) break;
    next = data.next_page;
  }
  return out;
}

/**
 * Runs the writes, reads the logs and removes what it created (also when a step fails). `me` is the
 * token's user; `session`, when given, is the same user signed in with a password.
 */
export async function runAuditScenario(
  api: ScenarioApi,
  names: ScenarioNames,
  me: string,
  session?: ScenarioApi,
): Promise<ScenarioResult> {
  const { org, proxyOrg, user, sessionOrg } = names;
  // Quay's log times are whole seconds: a second back, so the first entry is not cut off.
  const start = new Date(Date.now() - 2_000);
  const ok = async (method: string, p: string, body?: unknown) => {
    const r = await api(method, p, body);
    if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.data)}`);
    return r.data;
  };
  try {
    await ok("POST", "/api/v1/superuser/users/", { username: user, email: `${user}@audit.example` });
    await ok("POST", "/api/v1/organization/", { name: org, email: `${org}@audit.example` });
    await ok("PUT", `/api/v1/organization/${org}`, { email: `${org}-2@audit.example` });
    await ok("PUT", `/api/v1/organization/${org}`, { tag_expiration_s: 604800 });
    await ok("PUT", `/api/v1/organization/${org}/robots/ci`, { description: "CI" });
    await ok("PUT", `/api/v1/organization/${org}/robots/gone`, { description: "" });
    await ok("PUT", `/api/v1/organization/${org}/team/dev`, { role: "member", description: "one" });
    await ok("PUT", `/api/v1/organization/${org}/team/dev`, { role: "member", description: "two" });
    await ok("PUT", `/api/v1/organization/${org}/team/dev`, { role: "creator", description: "two" });
    await ok("PUT", `/api/v1/organization/${org}/team/dev/members/${user}`, {});
    await ok("PUT", `/api/v1/organization/${org}/team/dev/members/${org}+ci`, {});
    await ok("DELETE", `/api/v1/organization/${org}/team/dev/members/${user}`);
    await ok("PUT", `/api/v1/organization/${org}/team/ops`, { role: "member", description: "" });
    const proto = (await ok("POST", `/api/v1/organization/${org}/prototypes`, {
      role: "read",
      delegate: { kind: "team", name: "dev" },
    })) as { id: string };
    await ok("PUT", `/api/v1/organization/${org}/prototypes/${proto.id}`, { role: "write" });
    await ok("DELETE", `/api/v1/organization/${org}/prototypes/${proto.id}`);
    await ok("POST", `/api/v1/organization/${org}/prototypes`, {
      role: "write",
      delegate: { kind: "user", name: `${org}+ci` },
      activating_user: { name: user },
    });
    await ok("POST", "/api/v1/repository", {
      namespace: org,
      repository: "app",
      visibility: "private",
      description: "first",
      repo_kind: "image",
    });
    await ok("PUT", `/api/v1/repository/${org}/app`, { description: "second" });
    await ok("POST", `/api/v1/repository/${org}/app/changevisibility`, { visibility: "public" });
    await ok("POST", `/api/v1/repository/${org}/app/changevisibility`, { visibility: "private" });
    await ok("PUT", `/api/v1/repository/${org}/app/permissions/team/ops`, { role: "read" });
    await ok("DELETE", `/api/v1/repository/${org}/app/permissions/team/ops`);
    await ok("PUT", `/api/v1/repository/${org}/app/permissions/user/${user}`, { role: "write" });
    await ok("DELETE", `/api/v1/repository/${org}/app/permissions/user/${user}`);
    await ok("PUT", `/api/v1/repository/${org}/app/permissions/user/${org}+ci`, { role: "write" });
    await ok("POST", `/api/v1/organization/${org}/quota`, { limit_bytes: 10737418240 });
    const quotas = (await ok("GET", `/api/v1/organization/${org}/quota`)) as { id: number }[];
    const quota = quotas[0]!.id;
    await ok("POST", `/api/v1/organization/${org}/quota/${quota}/limit`, {
      type: "Warning",
      threshold_percent: 80,
    });
    await ok("PUT", `/api/v1/organization/${org}/quota/${quota}`, { limit_bytes: 21474836480 });
    const policy = (await ok("POST", `/api/v1/organization/${org}/autoprunepolicy/`, {
      method: "number_of_tags",
      value: 10,
    })) as { uuid: string };
    await ok("PUT", `/api/v1/organization/${org}/autoprunepolicy/${policy.uuid}`, {
      method: "creation_date",
      value: "30d",
      tagPattern: "^pr-",
      tagPatternMatches: true,
    });
    await ok("DELETE", `/api/v1/organization/${org}/autoprunepolicy/${policy.uuid}`);
    await ok("POST", `/api/v1/repository/${org}/app/autoprunepolicy/`, {
      method: "number_of_tags",
      value: 5,
    });
    await ok("POST", "/api/v1/repository", {
      namespace: org,
      repository: "mirrored",
      visibility: "private",
      description: "",
      repo_kind: "image",
    });
    await ok("PUT", `/api/v1/repository/${org}/mirrored/changestate`, { state: "MIRROR" });
    await ok("POST", `/api/v1/repository/${org}/mirrored/mirror`, {
      external_reference: "registry.example.com/upstream/image",
      sync_interval: 86400,
      sync_start_date: "2026-01-01T00:00:00Z",
      robot_username: `${org}+ci`,
      skopeo_timeout_interval: 300,
      root_rule: { rule_kind: "tag_glob_csv", rule_value: ["latest"] },
      external_registry_config: {},
    });
    await ok("PUT", `/api/v1/repository/${org}/mirrored/mirror`, { sync_interval: 3600 });
    const N = `/api/v1/repository/${org}/app/notification/`;
    const hook = (await ok("POST", N, {
      event: "repo_push",
      method: "webhook",
      config: { url: "https://hooks.audit.example/push" },
      eventConfig: {},
      title: "Pushes",
    })) as { uuid: string };
    await ok("POST", N, {
      event: "vulnerability_found",
      method: "quay_notification",
      config: { target: { kind: "team", name: "dev" } },
      eventConfig: { level: 1 },
    });
    await ok("POST", `${N}${hook.uuid}`);
    await ok("DELETE", `${N}${hook.uuid}`);
    const orgImm = `/api/v1/organization/${org}/immutabilitypolicy/`;
    const immutable = (await ok("POST", orgImm, { tagPattern: "v[0-9]+" })) as { uuid: string };
    await ok("PUT", `${orgImm}${immutable.uuid}`, { tagPattern: "v[0-9]+", tagPatternMatches: false });
    await ok("DELETE", `${orgImm}${immutable.uuid}`);
    const repoImm = `/api/v1/repository/${org}/app/immutabilitypolicy/`;
    const latest = (await ok("POST", repoImm, { tagPattern: "latest" })) as { uuid: string };
    await ok("PUT", `${repoImm}${latest.uuid}`, { tagPattern: "stable" });
    await ok("DELETE", `${repoImm}${latest.uuid}`);
    await ok("DELETE", `/api/v1/organization/${org}/robots/gone`);
    await ok("DELETE", `/api/v1/organization/${org}/team/ops`);
    await ok("DELETE", `/api/v1/repository/${org}/app`);
    await ok("POST", "/api/v1/organization/", { name: proxyOrg, email: `${proxyOrg}@audit.example` });
    await ok("POST", `/api/v1/organization/${proxyOrg}/proxycache`, { upstream_registry: "quay.io" });
    await ok("DELETE", `/api/v1/organization/${proxyOrg}/proxycache`);

    let sessionLog: RawEntry[] | undefined;
    if (session) {
      const by = async (method: string, p: string, body?: unknown) => {
        const r = await session(method, p, body);
        if (r.status >= 300) throw new Error(`session ${method} ${p}: ${r.status} ${JSON.stringify(r.data)}`);
      };
      await ok("POST", "/api/v1/organization/", { name: sessionOrg, email: `${sessionOrg}@audit.example` });
      await ok("PUT", `/api/v1/organization/${sessionOrg}/team/dev`, { role: "member", description: "" });
      await ok("PUT", `/api/v1/organization/${sessionOrg}/robots/ci`, { description: "" });
      await ok("POST", "/api/v1/repository", {
        namespace: sessionOrg,
        repository: "app",
        visibility: "private",
        description: "",
        repo_kind: "image",
      });
      await ok("PUT", `/api/v1/repository/${sessionOrg}/app/permissions/team/dev`, { role: "read" });
      await ok("PUT", `/api/v1/repository/${sessionOrg}/app/permissions/user/${sessionOrg}+ci`, {
        role: "read",
      });
      const notification = (await ok("POST", `/api/v1/repository/${sessionOrg}/app/notification/`, {
        event: "repo_push",
        method: "quay_notification",
        config: { target: { kind: "team", name: "dev" } },
        eventConfig: {},
      })) as { uuid: string };
      const policies = `/api/v1/repository/${sessionOrg}/app/immutabilitypolicy/`;
      const policy = (await ok("POST", policies, { tagPattern: "v.*" })) as { uuid: string };
      await by("PUT", `/api/v1/repository/${sessionOrg}/app`, { description: "by hand" });
      await by("DELETE", `/api/v1/repository/${sessionOrg}/app/notification/${notification.uuid}`);
      await by("PUT", `${policies}${policy.uuid}`, { tagPattern: "v.*", tagPatternMatches: false });
      await by("DELETE", `${policies}${policy.uuid}`);
      await by("DELETE", `/api/v1/repository/${sessionOrg}/app/permissions/team/dev`);
      await by("DELETE", `/api/v1/repository/${sessionOrg}/app/permissions/user/${sessionOrg}+ci`);
      await by("PUT", `/api/v1/organization/${sessionOrg}/team/dev`, {
        role: "admin",
        description: "by hand",
      });
      await by("PUT", `/api/v1/organization/${sessionOrg}/team/dev/members/${sessionOrg}+ci`, {});
      await by("DELETE", `/api/v1/organization/${sessionOrg}/robots/ci`);
      sessionLog = await readLog(api, `/api/v1/organization/${sessionOrg}/logs`, start, () => false);
      await ok("DELETE", `/api/v1/organization/${sessionOrg}`);
    }
    const orgLog = await readLog(api, `/api/v1/organization/${org}/logs`, start, () => false);
    const proxyLog = await readLog(api, `/api/v1/organization/${proxyOrg}/logs`, start, () => false);
    await ok("DELETE", `/api/v1/organization/${proxyOrg}`);
    await ok("DELETE", `/api/v1/organization/${org}`);
    await ok("DELETE", `/api/v1/superuser/users/${user}`);
    const ours = new Set([org, proxyOrg, user, ...(session ? [sessionOrg] : [])]);
    const superLog = await readLog(
      api,
      "/api/v1/superuser/logs",
      start,
      (e) => Date.parse(e.datetime) < start.getTime(),
    );
    return {
      org: orgLog.map((e) => normalizeEntry(e, names, me)),
      proxyOrg: proxyLog.map((e) => normalizeEntry(e, names, me)),
      ...(sessionLog ? { session: sessionLog.map((e) => normalizeEntry(e, names, me)) } : {}),
      // The entries the organization's log does not hold: the users', and the organizations' deletion.
      // A deleted namespace is renamed at once, so its entries are found by their metadata.
      superuser: superLog
        .filter(
          (e) =>
            SUPERUSER_KINDS.has(e.kind) &&
            [e.metadata?.namespace, e.metadata?.username].some((n) => typeof n === "string" && ours.has(n)),
        )
        .map((e) => normalizeEntry(e, names, me)),
    };
  } finally {
    for (const [m, p] of [
      ["DELETE", `/api/v1/organization/${sessionOrg}`],
      ["DELETE", `/api/v1/organization/${proxyOrg}`],
      ["DELETE", `/api/v1/organization/${org}`],
      ["DELETE", `/api/v1/superuser/users/${user}`],
    ] as const)
      await api(m, p).catch(() => undefined);
  }
}

export const AUDIT_FIXTURE = path.join(projectRoot, "test", "fixtures", "quay-3.18.0", "audit-log.json");

export function readAuditFixture(): ScenarioResult {
  return JSON.parse(fs.readFileSync(AUDIT_FIXTURE, "utf8")) as ScenarioResult;
}
