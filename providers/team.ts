import type { Member } from "../src/model/types";
import { getOrganization } from "../src/quay/api/organizations";
import { orgScope } from "../src/quay/api/session";
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

/** The team as Quay holds it, in terms of `want` (which names the declared members), or undefined. */
async function liveTeam(c: Context, want: TeamInputs): Promise<TeamState | undefined> {
  const org = await getOrganization(c.session, want.organization);
  const summary = org?.teams?.[want.name];
  if (!summary) return undefined;
  // A refresh reads every team of the org: two org-wide lists serve them all (QUAY-API §1.5b),
  // unless they may miss someone (see orgTeamMembers) or do not add up to the team's member_count
  // (a robot of another organization, §7.4): then the team's own list decides.
  const byTeam = await orgTeamMembers(c.session, want.organization);
  const fromOrg = byTeam?.get(want.name) ?? [];
  const members =
    byTeam && fromOrg.length === summary.member_count
      ? membersOf(fromOrg, want.name, (await c.session.me()).username, want.members)
      : await liveMembers(c, want);
  if (!members) return undefined;
  return { ...want, role: summary.role, description: summary.description ?? "", members };
}

export const team: Kind<TeamInputs, TeamState> = {
  kind: "Team",
  fields: ["organization", "name", "role", "description", "members"],
  replaceOn: {
    organization: "a team belongs to one organization",
    name: "Quay teams cannot be renamed (QUAY-API §7.2)",
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
    // Look first while the organization holds only what was there before this run: the org view and
    // the org-wide member lists are cached reads, so adopting an equal team sends no write.
    if (!c.session.wrote(orgScope(d.organization))) {
      const found = await liveTeam(c, d);
      if (found) {
        c.log.info(`adopted existing team ${d.organization}/${d.name}`);
        if (found.role !== d.role || found.description !== d.description)
          await putTeam(c.session, d.organization, d.name, d.role, d.description);
        await convergeMembers(c, d, found.members);
        return { ...d };
      }
    }
    // PUT creates or updates (§7.2), so an existing team is adopted by the same call.
    const r = await putTeam(c.session, d.organization, d.name, d.role, d.description);
    const live = r?.new_team ? [] : ((await liveMembers(c, d)) ?? []);
    await convergeMembers(c, d, live);
    return { ...d };
  },

  read: (c, _id, state) => liveTeam(c, state),

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
