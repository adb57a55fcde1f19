/**
 * The preflight of preview, apply and drift: before the engine starts, one check that Quay answers,
 * that it takes the credentials, and that they have the rights the tenant files need (and the
 * registry the features), answered in one message with the fix, instead of one engine error per
 * object. It costs who-am-I and the discovery document, which the run's providers would read anyway
 * and now take from the run's read journal (src/quay/api/journal.ts), plus at most two probes for a
 * token (src/quay/api/rights.ts): never a request per object.
 */
import { type ErrorCode, QuayGitopsError } from "../errors";
import type { DesiredState } from "../model/types";
import {
  type HeldRights,
  howToGetToken,
  missingBeyond,
  missingRights,
  neededRights,
  type Needs,
  renderMissingRights,
  type Right,
} from "../plan/rights";
import { neededFeatures } from "../program/capabilities";
import { probeCapabilities } from "../quay/api/capabilities";
import type { ReadRecorder } from "../quay/api/journal";
import type { SessionStore } from "../quay/auth";
import { listSuperuserOrganizations } from "../quay/api/organizations";
import { readAccountRights } from "../quay/api/rights";
import { QuaySession } from "../quay/api/session";
import type { QuayConnection } from "../quay/connection";
import { isQuayApiError, isQuayConnectionError, isQuaySignInError } from "../quay/errors";
import type { Outage } from "../quay/outage";

/** The run cannot start: Quay does not answer, refuses the credentials, or they lack rights. Exit 1. */
export class PreflightError extends QuayGitopsError {
  /** The rights the credentials lack (empty when the check stopped before it could tell). */
  readonly missing: readonly Right[];
  constructor(code: ErrorCode, message: string, missing: readonly Right[], options?: { cause?: unknown }) {
    super(code, message, options);
    this.missing = missing;
  }
}

/** What the run checks: an apply needs the write rights, a preview is refused only for read rights. */
export type PreflightMode = "apply" | "preview" | "drift";

export interface PreflightResult {
  username: string;
  auth: "token" | "session";
  /** Quay's clock minus this machine's (from who-am-I), for the run's record (src/plan/runs.ts). */
  offsetMs: number | undefined;
  /** For a preview: rights only an apply needs that the credentials lack (said, not refused). */
  notes: string[];
}

export async function preflight(input: {
  connection: QuayConnection;
  /** The tenants the run looks at; undefined when the tenant files could not be read (drift). */
  state: DesiredState | undefined;
  mode: PreflightMode;
  /** Where who-am-I and the discovery document are recorded for the run's providers. */
  recorder?: ReadRecorder | undefined;
  /** Where its session sign-in is handed to the run's providers (journal.ts `SessionFile`). */
  sessionStore?: SessionStore | undefined;
  onOutage?: ((o: Outage) => void) | undefined;
}): Promise<PreflightResult> {
  const { connection, state, mode } = input;
  const needs: Needs = state ? neededRights(state, mode === "drift" ? "read" : "write") : new Map();
  // A preview is refused only for what reading needs (the kinds say which needs only writes have).
  const readNeeds: Needs = mode === "preview" && state ? neededRights(state, "read") : needs;
  const client = connection.client({
    userAgent: `quay-gitops ${mode}`,
    sessionStore: input.sessionStore,
    ...(input.onOutage ? { onOutage: input.onOutage } : {}),
  });
  try {
    const s = new QuaySession(client, { recorder: input.recorder });
    let rights: Awaited<ReturnType<typeof readAccountRights>>;
    try {
      rights = await readAccountRights(s, {
        fullAccess: needs.has("fullAccess"),
        scopes: needs.has("orgAdmin") || needs.has("repoAdmin"),
      });
    } catch (e) {
      throw unusable(e, connection, needs);
    }
    const existing = new Set(rights.organizations ?? []);
    // Organizations to create need user:admin; a superuser sees which exist (the providers read this list too).
    if (!rights.userAdmin && rights.superUser && needs.has("userAdmin"))
      for (const o of await listSuperuserOrganizations(s)) existing.add(o.name);
    const held: HeldRights = {
      url: connection.url,
      auth: rights.auth,
      username: rights.username,
      superUser: rights.superUser,
      userAdmin: rights.userAdmin,
      orgAdmin: rights.orgAdmin,
      repoAdmin: rights.repoAdmin,
      fullAccess: rights.fullAccess,
      existingOrganizations: existing,
    };
    const missing = missingRights(needs, held);
    const refused = readNeeds === needs ? missing : missingRights(readNeeds, held);
    const later = missingBeyond(missing, refused);
    const features = state ? await missingFeatures(s, state) : [];
    if (refused.length > 0 || features.length > 0)
      throw new PreflightError(
        "QG_ERR_CAPABILITY",
        renderMissingRights(refused, held, needs, features),
        refused.map((m) => m.right),
      );
    const notes =
      later.length > 0
        ? [
            `note: the apply of this plan will need more than ${held.auth === "session" ? "this session" : "this token"} has:`,
            ...renderMissingRights(later, held, needs).split("\n").slice(2),
          ]
        : [];
    return { username: rights.username, auth: rights.auth, offsetMs: rights.offsetMs, notes };
  } finally {
    await client.close();
  }
}

/** The features the tenant files use that the registry has off (the superuser is a right here). */
async function missingFeatures(s: QuaySession, state: DesiredState): Promise<string[]> {
  const needs = neededFeatures(state);
  needs.delete("FEATURE_SUPER_USERS");
  if (needs.size === 0) return [];
  const report = await probeCapabilities(s, new Set(needs.keys()));
  return report.missing.map((m) => {
    const files = [...(needs.get(m.feature) ?? [])].map(([f, what]) => `${f} (${[...what].join(", ")})`);
    return `${m.reason}; used by ${files.join(", ")}`;
  });
}

/** Quay did not answer who-am-I: why, in the words of someone fixing the connection or the credentials. */
function unusable(e: unknown, connection: QuayConnection, needs: Needs): unknown {
  const url = connection.url;
  if (isQuayConnectionError(e))
    return new PreflightError(
      e.code,
      `cannot reach Quay at ${url} (quay-gitops:url or QUAY_URL): ${e.message}; nothing was changed`,
      [],
      { cause: e },
    );
  if (isQuaySignInError(e))
    return new PreflightError(
      e.code,
      `cannot sign in to Quay at ${url}: ${e.message}; nothing was changed`,
      [],
      {
        cause: e,
      },
    );
  if (isQuayApiError(e) && (e.status === 401 || e.status === 403) && connection.auth === "token")
    return new PreflightError(
      "QG_ERR_CAPABILITY",
      [
        `Quay at ${url} did not accept the token (quay-gitops:token or QUAY_TOKEN): it is invalid, expired or revoked, or it has neither user:read nor user:admin, one of which quay-gitops needs to tell whose it is; nothing was changed.`,
        ...howToGetToken(needs, undefined),
        "What needs which right: docs/quay-api.md#scopes.",
      ].join("\n"),
      [],
      { cause: e },
    );
  return e;
}
