import type { Member } from "../src/model/types";
import { getOrganization } from "../src/quay/api/organizations";
import {
  addTeamMember,
  deleteTeam,
  listTeamMembers,
  orgTeamMembers,
  putTeam,
  removeTeamMember,
  type TeamMemberView,
} from "../src/quay/api/teams";
import { QuayGitopsError } from "../src/errors";
import type { Context, Kind } from "./base";
import { type Failures, namespaceName, oneOf, robotIn, sortByKindName } from "./validate";

export interface TeamInputs {
  organization: string;
  name: string;
  role: "member" | "creator" | "admin";
  description: string;
  /** Authoritative member set; robots by full name. */
  members: Member[];
}

export type TeamState = TeamInputs;

/**
 * Members as we declare them. Quay lists robots as `kind: "user"` with `is_robot` (§7.4); pending
 * invites of users count as members (with mailing on, an add is an invite, §18.11); e-mail invites
 * are not ours. In `owners`, the token's user was put there by Quay when it created the org (§4.2).
 */
export function membersOf(
  view: readonly TeamMemberView[],
  team: string,
  me: string,
  declared: readonly Member[],
): Member[] {
  const out: Member[] = [];
  for (const m of view) {
    if (m.kind === "invite" || !m.name) continue;
    if (team === "owners" && m.name === me && !declared.some((d) => d.name === me)) continue;
    out.push(m.is_robot ? { kind: "robot", name: m.name } : { kind: "user", name: m.name });
  }
  return sortByKindName(out);
}

async function convergeMembers(c: Context, d: TeamInputs, live: readonly Member[]): Promise<void> {
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
  const view = await listTeamMembers(c.session, d.organization, d.name);
  if (!view) return undefined;
  return membersOf(view, d.name, (await c.session.me()).username, d.members);
}

export const team: Kind<TeamInputs, TeamState> = {
  kind: "Team",
  fields: ["organization", "name", "role", "description", "members"],
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
      });
    return f;
  },
  normalize: (d) => ({ ...d, description: d.description ?? "", members: sortByKindName(d.members) }),
  id: (d) => `${d.organization}/${d.name}`,

  async create(c, d) {
    // PUT creates or updates (§7.2), so an existing team is adopted by the same call.
    const r = await putTeam(c.session, d.organization, d.name, d.role, d.description);
    const live = r?.new_team ? [] : ((await liveMembers(c, d)) ?? []);
    await convergeMembers(c, d, live);
    return { ...d };
  },

  async read(c, _id, state) {
    const org = await getOrganization(c.session, state.organization);
    const summary = org?.teams?.[state.name];
    if (!summary) return undefined;
    // A refresh reads every team of the org: two org-wide lists serve them all (QUAY-API §1.5b),
    // unless they may miss someone (see orgTeamMembers) or do not add up to the team's member_count
    // (a robot of another organization, §7.4): then the team's own list decides.
    const byTeam = await orgTeamMembers(c.session, state.organization);
    const fromOrg = byTeam?.get(state.name) ?? [];
    const members =
      byTeam && fromOrg.length === summary.member_count
        ? membersOf(fromOrg, state.name, (await c.session.me()).username, state.members)
        : await liveMembers(c, state);
    if (!members) return undefined;
    return { ...state, role: summary.role, description: summary.description ?? "", members };
  },

  async update(c, _id, state, d, changed) {
    if (changed.has("role") || changed.has("description")) {
      await putTeam(c.session, d.organization, d.name, d.role, d.description);
    }
    if (changed.has("members")) {
      const live = await liveMembers(c, d);
      if (!live)
        throw new QuayGitopsError(
          "QG_ERR_QUAY_RESPONSE",
          `team ${d.organization}/${d.name} no longer exists; run with --refresh`,
        );
      await convergeMembers(c, d, live);
    }
    return { ...state, ...d };
  },

  async delete(c, _id, state) {
    await deleteTeam(c.session, state.organization, state.name, async () => {
      const org = await getOrganization(c.session, state.organization);
      return !!org?.teams?.[state.name];
    });
  },
};
