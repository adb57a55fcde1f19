import { repository as descriptor } from "../src/kinds/repository";
import type { RepoPermissionModel } from "../src/model/types";
import {
  createRepository,
  deletePermission,
  deleteRepository,
  getRepository,
  listTeamPermissions,
  listUserPermissions,
  orgTeamGrants,
  putPermission,
  type RepoListItem,
  setDescription,
  setState,
  setVisibility,
  tagCount,
  type TeamPermissionView,
  type UserPermissionView,
} from "../src/quay/api/repositories";
import { orgScope } from "../src/quay/api/session";
import { isQuayApiError } from "../src/quay/errors";
import { ObjectGoneError, QuayGitopsError } from "../src/errors";
import type { Context, Kind } from "./base";
import {
  type Failures,
  generationsOf,
  namespaceName,
  oneOf,
  type RobotGenerations,
  repositoryName,
  robotGenerations,
  robotIn,
  sortByKindName,
} from "./validate";

export interface RepositoryInputs {
  namespace: string;
  name: string;
  visibility: "private" | "public";
  description: string;
  /** NORMAL or READ_ONLY; undefined leaves the state alone (a mirror sets MIRROR itself). */
  state?: "NORMAL" | "READ_ONLY";
  /** Authoritative grants for users, robots (full names) and teams. */
  permissions: RepoPermissionModel[];
  /** The robot of this repository's mirror: Quay grants it write by itself (docs/quay-api.md#mirrors). */
  mirrorRobot?: string;
  deletionPolicy: "retain" | "delete";
  /** Of the robots granted (providers/validate.ts): a robot created again is granted again. */
  robotGenerations?: RobotGenerations;
}

export type RepositoryState = RepositoryInputs;

/** A grant left behind by a deleted user, under the UUID Quay renamed it to (docs/quay-api.md#emulator-gotchas drift trap). */
const DELETED_USER_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The grants we manage, out of Quay's two permission maps. Left out, unless declared: the admin
 * grant Quay gives the user who created the repository (our token's user, docs/quay-api.md#repositories), the write grant
 * Quay gives a mirror's robot (docs/quay-api.md#mirrors), and grants of deleted users still listed under a UUID name
 * until Quay's garbage collection (docs/quay-api.md#emulator-gotchas): we did not make them and must not fight them.
 */
export function permissionsOf(
  users: Record<string, UserPermissionView>,
  teams: Record<string, TeamPermissionView>,
  ctx: { me: string; mirrorRobot?: string | undefined; declared: readonly RepoPermissionModel[] },
): RepoPermissionModel[] {
  const declared = (kind: string, name: string) =>
    ctx.declared.some((p) => p.kind === kind && p.name === name);
  const out: RepoPermissionModel[] = [];
  for (const p of Object.values(users)) {
    const kind = p.is_robot ? "robot" : "user";
    if (!declared(kind, p.name)) {
      if (kind === "user" && p.name === ctx.me && p.role === "admin") continue;
      if (kind === "robot" && p.name === ctx.mirrorRobot && p.role === "write") continue;
      if (kind === "user" && DELETED_USER_RE.test(p.name) && p.is_org_member !== true) continue;
    }
    out.push({ kind, name: p.name, role: p.role });
  }
  for (const p of Object.values(teams)) out.push({ kind: "team", name: p.name, role: p.role });
  return sortByKindName(out);
}

/**
 * The repository's live grants. `orgWide` (refresh): team grants come from the organization's
 * per-team lists when those take fewer requests than one list per repository (orgTeamGrants); in
 * create and update our own writes have just dropped the cache, so the repository's list is cheaper.
 */
async function livePermissions(
  c: Context,
  d: RepositoryInputs,
  opts: { orgWide?: boolean } = {},
): Promise<RepoPermissionModel[]> {
  const teamGrants = async () => {
    const byRepo = opts.orgWide ? await orgTeamGrants(c.session, d.namespace) : undefined;
    return byRepo ? (byRepo.get(d.name) ?? {}) : listTeamPermissions(c.session, d.namespace, d.name);
  };
  const [users, teams, me] = await Promise.all([
    listUserPermissions(c.session, d.namespace, d.name),
    teamGrants(),
    c.session.me(),
  ]);
  return permissionsOf(users, teams, {
    me: me.username,
    mirrorRobot: d.mirrorRobot,
    declared: d.permissions,
  });
}

async function convergePermissions(
  c: Context,
  d: RepositoryInputs,
  live: readonly RepoPermissionModel[],
): Promise<void> {
  const key = (p: RepoPermissionModel) => `${p.kind}:${p.name}`;
  const want = new Map(d.permissions.map((p) => [key(p), p]));
  const have = new Map(live.map((p) => [key(p), p]));
  const apiKind = (p: RepoPermissionModel) => (p.kind === "team" ? "team" : "user");
  await Promise.all([
    ...d.permissions
      .filter((p) => have.get(key(p))?.role !== p.role)
      .map((p) => putPermission(c.session, d.namespace, d.name, apiKind(p), p.name, p.role)),
    ...live
      .filter((p) => !want.has(key(p)))
      .map((p) => deletePermission(c.session, d.namespace, d.name, apiKind(p), p.name)),
  ]);
}

function liveOf(
  r: RepoListItem,
  state: RepositoryInputs,
  permissions: RepoPermissionModel[],
): RepositoryState {
  const live: RepositoryState = {
    namespace: r.namespace,
    name: r.name,
    visibility: r.is_public ? "public" : "private",
    // Push-created repositories have a null description (docs/quay-api.md#repositories).
    description: r.description ?? "",
    permissions,
    deletionPolicy: state.deletionPolicy,
  };
  // Only tracked when declared; a MIRROR state then shows as drift against NORMAL/READ_ONLY.
  if (state.state !== undefined) live.state = r.state as "NORMAL" | "READ_ONLY";
  if (state.mirrorRobot !== undefined) live.mirrorRobot = state.mirrorRobot;
  return { ...live, ...generationsOf(state.robotGenerations) };
}

async function converge(c: Context, r: RepoListItem, d: RepositoryInputs): Promise<RepositoryState> {
  if ((r.description ?? "") !== d.description)
    await setDescription(c.session, d.namespace, d.name, d.description);
  if (r.is_public !== (d.visibility === "public"))
    await setVisibility(c.session, d.namespace, d.name, d.visibility);
  if (d.state !== undefined && r.state !== d.state && r.state !== "MIRROR")
    await setState(c.session, d.namespace, d.name, d.state);
  // Nothing written in the organization yet: the org-wide team grant lists are still good (and cached).
  const orgWide = !c.session.wrote(orgScope(d.namespace));
  await convergePermissions(c, d, await livePermissions(c, d, { orgWide }));
  return { ...d };
}

export const repository: Kind<RepositoryInputs, RepositoryState> = {
  info: descriptor,
  kind: descriptor.name,
  fields: [
    "namespace",
    "name",
    "visibility",
    "description",
    "state",
    "permissions",
    "mirrorRobot",
    "deletionPolicy",
    "robotGenerations",
  ],
  replaceOn: {
    namespace: "Quay cannot move a repository to another namespace",
    name: "Quay cannot rename a repository",
  },
  validate(d) {
    const f: Failures = [];
    namespaceName(f, "namespace", d.namespace);
    repositoryName(f, "name", d.name);
    oneOf(f, "visibility", d.visibility, ["private", "public"]);
    if (d.state !== undefined) oneOf(f, "state", d.state, ["NORMAL", "READ_ONLY"]);
    oneOf(f, "deletionPolicy", d.deletionPolicy, ["retain", "delete"]);
    if (d.mirrorRobot !== undefined) robotIn(f, "mirrorRobot", d.mirrorRobot, d.namespace);
    (d.permissions ?? []).forEach((p, i) => {
      oneOf(f, `permissions[${i}].role`, p.role, ["read", "write", "admin"]);
      if (p.kind === "robot") robotIn(f, `permissions[${i}].name`, p.name, d.namespace);
      else if (p.kind === "team" || p.kind === "user") namespaceName(f, `permissions[${i}].name`, p.name);
      else f.push([`permissions[${i}].kind`, "must be user, robot or team"]);
    });
    robotGenerations(f, d.robotGenerations, d.namespace);
    return f;
  },
  normalize: (d) => ({
    ...d,
    description: d.description ?? "",
    permissions: sortByKindName(d.permissions ?? []),
  }),
  id: (d) => `${d.namespace}/${d.name}`,

  async create(c, d) {
    // Look first while the organization holds only what was there before this run (the repository
    // list is one cached request): adopting sends no write.
    if (!c.session.wrote(orgScope(d.namespace))) {
      const found = await getRepository(c.session, d.namespace, d.name);
      if (found) {
        c.log.info(`adopted existing repository ${d.namespace}/${d.name}`);
        return converge(c, found, d);
      }
    }
    try {
      await createRepository(c.session, d.namespace, d.name, d.visibility, d.description);
    } catch (e) {
      // 400 "Repository already exists" (docs/quay-api.md#repositories): adopt and converge.
      if (!(isQuayApiError(e) && e.status === 400)) throw e;
      c.session.invalidate(orgScope(d.namespace));
      const existing = await getRepository(c.session, d.namespace, d.name);
      if (!existing) throw e;
      c.log.info(`adopted existing repository ${d.namespace}/${d.name}`);
      return converge(c, existing, d);
    }
    if (d.state === "READ_ONLY") await setState(c.session, d.namespace, d.name, "READ_ONLY");
    // Quay has applied the default permissions (prototypes) and the creator's admin grant (docs/quay-api.md#repositories).
    await convergePermissions(c, d, await livePermissions(c, d));
    return { ...d };
  },

  async read(c, _id, state) {
    const r = await getRepository(c.session, state.namespace, state.name);
    if (!r) return undefined;
    return liveOf(r, state, await livePermissions(c, state, { orgWide: true }));
  },

  async update(c, _id, state, d, changed) {
    const r = await getRepository(c.session, d.namespace, d.name);
    if (!r) throw new ObjectGoneError(`repository ${d.namespace}/${d.name}`);
    if (changed.has("description") && (r.description ?? "") !== d.description) {
      await setDescription(c.session, d.namespace, d.name, d.description);
    }
    if (changed.has("visibility") && r.is_public !== (d.visibility === "public")) {
      await setVisibility(c.session, d.namespace, d.name, d.visibility);
    }
    if (changed.has("state") && d.state !== undefined && r.state !== d.state && r.state !== "MIRROR") {
      await setState(c.session, d.namespace, d.name, d.state);
    }
    // A robot created again has no grants (docs/quay-api.md#robots), although the grants the state
    // holds, read before the robot's delete, still list them: the grants are read again and converged.
    if (changed.has("permissions") || changed.has("mirrorRobot") || changed.has("robotGenerations")) {
      await convergePermissions(c, d, await livePermissions(c, d));
    }
    const { robotGenerations: _, ...rest } = state;
    return { ...rest, ...d };
  },

  async delete(c, _id, state) {
    const full = `${state.namespace}/${state.name}`;
    if (state.deletionPolicy !== "delete") {
      c.log.info(`retained repository ${full} in Quay (deletionPolicy: retain); it is no longer managed`);
      return;
    }
    const tags = await tagCount(c.session, state.namespace, state.name);
    if (tags > 0 && !c.settings.forceDelete) {
      throw new QuayGitopsError(
        "QG_ERR_RETAINED",
        `refusing to delete repository ${full}: it holds ${tags} tag(s). Move the images first, or apply with --force`,
      );
    }
    await deleteRepository(c.session, state.namespace, state.name);
    c.log.info(`deleted repository ${full}${tags > 0 ? ` with ${tags} tag(s) (forced)` : ""}`);
  },
};
