import { team as descriptor } from "../src/kinds/team";
import type { Member, TeamSyncModel } from "../src/model/types";
import { getOrganization } from "../src/quay/api/organizations";
import { orgScope } from "../src/quay/api/session";
import {
  addTeamMember,
  deleteTeam,
  disableTeamSync,
  enableTeamSync,
  getTeamMembers,
  getTeamSync,
  type LiveTeamSync,
  orgTeamMembers,
  putTeam,
  removeTeamMember,
  type TeamMemberView,
} from "../src/quay/api/teams";
import { ObjectGoneError } from "../src/errors";
import type { Context, Kind } from "./base";
import {
  type Failures,
  type RobotGenerations,
  namespaceName,
  oneOf,
  robotGenerations,
  robotIn,
  sortByKindName,
} from "./validate";

export interface TeamInputs {
  organization: string;
  name: string;
  role: "member" | "creator" | "admin";
  description: string;
  /** Authoritative member set; robots by full name. Robots only when the team syncs. */
  members: Member[];
  /**
   * The directory group the team's users come from (docs/quay-api.md#team-sync). Absent (not
   * undefined-valued) for a team that does not sync, so states from before team sync compare equal.
   */
  syncFrom?: TeamSyncModel;
  /** Of the robot members (providers/validate.ts): a robot created again is added again. */
  robotGenerations?: RobotGenerations;
}

export type TeamState = TeamInputs;

/**
 * Members as we declare them. Quay lists robots as `kind: "user"` with `is_robot` (docs/quay-api.md#teams); pending
 * invites of users count as members (with mailing on, an add is an invite, docs/quay-api.md#ordering); e-mail invites
 * are not ours. In `owners`, the token's user was put there by Quay when it created the org (docs/quay-api.md#organizations).
 */
export function membersOf(
  view: readonly TeamMemberView[],
  team: string,
  me: string,
  declared: readonly Member[],
  synced = false,
): Member[] {
  const out: Member[] = [];
  for (const m of view) {
    if (m.kind === "invite" || !m.name) continue;
    // A synced team's users are the directory's (Quay's sync adds and removes them): not ours.
    if (synced && !m.is_robot) continue;
    if (team === "owners" && m.name === me && !declared.some((d) => d.name === me)) continue;
    out.push(m.is_robot ? { kind: "robot", name: m.name } : { kind: "user", name: m.name });
  }
  return sortByKindName(out);
}

/** With `syncFrom`, only robots are converged: Quay refuses user changes on a synced team. */
async function convergeMembers(c: Context, d: TeamInputs, live: readonly Member[]): Promise<void> {
  if (d.syncFrom) live = live.filter((m) => m.kind === "robot");
  const key = (m: Member) => `${m.kind}:${m.name}`;
  const want = new Set(d.members.map(key));
  const have = new Set(live.map(key));
  const adds = d.members.filter((m) => !have.has(key(m)));
  const removes = live.filter((m) => !want.has(key(m)));
  await Promise.all([
    ...adds.map((m) => addTeamMember(c.session, d.organization, d.name, m.name)),
    ...removes.map((m) => removeTeamMember(c.session, d.organization, d.name, m.name)),
  ]);
}

async function liveMembers(c: Context, d: TeamInputs): Promise<Member[] | undefined> {
  const view = await getTeamMembers(c.session, d.organization, d.name);
  if (!view) return undefined;
  return membersOf(view.members, d.name, (await c.session.me()).username, d.members);
}

const sameSync = (live: LiveTeamSync, want: TeamSyncModel): boolean =>
  live.directory === want.directory && (live.group === undefined || live.group === want.group);

/** The team's sync now: the organization view says whether, the team's member list which group. */
async function liveSync(c: Context, org: string, name: string): Promise<LiveTeamSync | undefined> {
  const summary = (await getOrganization(c.session, org))?.teams?.[name];
  return summary?.is_synced ? getTeamSync(c.session, org, name) : undefined;
}

/**
 * Brings the team's sync and members to `d`, in the order Quay allows: a sync that must go or change
 * goes first (a synced team refuses user changes, and Quay has no update of a sync: a second enable
 * is a 500), then the members, then the new sync. An equal sync (adopted from a crash or set up by
 * hand) is kept; its group is compared when Quay shows it (to superusers).
 */
async function converge(c: Context, d: TeamInputs, newTeam: boolean): Promise<void> {
  const org = d.organization;
  const live = newTeam ? undefined : await liveSync(c, org, d.name);
  const keep = live !== undefined && d.syncFrom !== undefined && sameSync(live, d.syncFrom);
  if (live && !keep) await disableTeamSync(c.session, org, d.name);
  const members = newTeam ? [] : await liveMembers(c, d);
  if (!members) throw new ObjectGoneError(`team ${org}/${d.name}`);
  await convergeMembers(c, d, members);
  if (d.syncFrom && !keep)
    await enableTeamSync(c.session, org, d.name, d.syncFrom.directory, d.syncFrom.group);
}

/**
 * The sync as the state records it: Quay's directory and group, or (for a caller who may not see the
 * group) the group of the state, which is all that can be said; "" when there is none.
 */
function syncOf(live: LiveTeamSync, state: TeamSyncModel | undefined): TeamSyncModel {
  return {
    directory: live.directory as TeamSyncModel["directory"],
    group: live.group ?? (state?.directory === live.directory ? state.group : ""),
  };
}

/** The team as Quay holds it, in terms of `want` (which names the declared members), or undefined. */
async function liveTeam(c: Context, want: TeamInputs): Promise<TeamState | undefined> {
  const org = await getOrganization(c.session, want.organization);
  const summary = org?.teams?.[want.name];
  if (!summary) return undefined;
  if (summary.is_synced) {
    // The group is only in the team's own member list: one GET per synced team, whose members
    // come with it. Its users are the directory's; only its robots are compared.
    const view = await getTeamMembers(c.session, want.organization, want.name);
    if (!view) return undefined;
    const me = (await c.session.me()).username;
    const sync = await getTeamSync(c.session, want.organization, want.name);
    return {
      ...want,
      role: summary.role,
      description: summary.description ?? "",
      members: membersOf(view.members, want.name, me, want.members, sync !== undefined),
      ...(sync ? { syncFrom: syncOf(sync, want.syncFrom) } : {}),
    };
  }
  // A refresh reads every team of the org: two org-wide lists serve them all (docs/quay-api.md#cost),
  // unless they may miss someone (see orgTeamMembers) or do not add up to the team's member_count
  // (a robot of another organization, docs/quay-api.md#teams): then the team's own list decides.
  const byTeam = await orgTeamMembers(c.session, want.organization);
  const fromOrg = byTeam?.get(want.name) ?? [];
  const members =
    byTeam && fromOrg.length === summary.member_count
      ? membersOf(fromOrg, want.name, (await c.session.me()).username, want.members)
      : await liveMembers(c, want);
  if (!members) return undefined;
  const { syncFrom: _, ...rest } = want;
  return { ...rest, role: summary.role, description: summary.description ?? "", members };
}

export const team: Kind<TeamInputs, TeamState> = {
  info: descriptor,
  kind: descriptor.name,
  fields: ["organization", "name", "role", "description", "members", "syncFrom", "robotGenerations"],
  replaceOn: {
    organization: "a team belongs to one organization",
    name: "Quay teams cannot be renamed (docs/quay-api.md#teams)",
  },
  validate(d) {
    const f: Failures = [];
    namespaceName(f, "organization", d.organization);
    namespaceName(f, "name", d.name);
    oneOf(f, "role", d.role, ["member", "creator", "admin"]);
    if (!Array.isArray(d.members)) f.push(["members", "must be a list"]);
    else
      d.members.forEach((m, i) => {
        if (m.kind === "robot") robotIn(f, `members[${i}].name`, m.name, d.organization);
        else if (m.kind === "user") namespaceName(f, `members[${i}].name`, m.name);
        else f.push([`members[${i}].kind`, "must be user or robot"]);
        if (d.syncFrom && m.kind === "user")
          f.push([`members[${i}]`, "a synced team's users come from its directory group: list robots only"]);
      });
    if (d.syncFrom !== undefined) {
      oneOf(f, "syncFrom.directory", d.syncFrom?.directory, ["ldap", "oidc", "keystone"]);
      if (typeof d.syncFrom?.group !== "string" || d.syncFrom.group === "")
        f.push(["syncFrom.group", "must be a non-empty string"]);
    }
    robotGenerations(f, d.robotGenerations, d.organization);
    return f;
  },
  normalize: (d) => ({ ...d, description: d.description ?? "", members: sortByKindName(d.members) }),
  id: (d) => `${d.organization}/${d.name}`,

  async create(c, d) {
    // Look first while the organization holds only what was there before this run: the org view and
    // the org-wide member lists are cached reads, so adopting an equal team sends no write.
    if (!c.session.wrote(orgScope(d.organization))) {
      const found = await liveTeam(c, d);
      // A team whose sync differs takes the full path below, which turns the sync off and on in order.
      if (found && JSON.stringify(found.syncFrom ?? null) === JSON.stringify(d.syncFrom ?? null)) {
        c.log.info(`adopted existing team ${d.organization}/${d.name}`);
        if (found.role !== d.role || found.description !== d.description)
          await putTeam(c.session, d.organization, d.name, d.role, d.description);
        await convergeMembers(c, d, found.members);
        return { ...d };
      }
    }
    // PUT creates or updates (docs/quay-api.md#teams), so an existing team is adopted by the same call.
    const r = await putTeam(c.session, d.organization, d.name, d.role, d.description);
    await converge(c, d, r?.new_team === true);
    return { ...d };
  },

  read: (c, _id, state) => liveTeam(c, state),

  async update(c, _id, state, d, changed) {
    if (changed.has("role") || changed.has("description")) {
      await putTeam(c.session, d.organization, d.name, d.role, d.description);
    }
    // A robot created again is in no team (docs/quay-api.md#robots), although the members the state
    // holds, read before the robot's delete, still list it: the members are read again and converged.
    if (changed.has("members") || changed.has("syncFrom") || changed.has("robotGenerations"))
      await converge(c, d, false);
    const { syncFrom: _, robotGenerations: __, ...rest } = state;
    return { ...rest, ...d };
  },

  async delete(c, _id, state) {
    await deleteTeam(c.session, state.organization, state.name, async () => {
      const org = await getOrganization(c.session, state.organization);
      return !!org?.teams?.[state.name];
    });
  },
};
