import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { describe, expect } from "vitest";
import { projectRoot } from "../../src/engine/env";
import type { Api } from "../helpers/quay-api";

export { type Api, sessionApi, tokenApi } from "../helpers/quay-api";

/**
 * The real Quay of the acceptance tier (docs/acceptance.md): QUAY_URL with QUAY_TOKEN (a superuser's
 * token with every scope), and QUAY_USERNAME/QUAY_PASSWORD (the same account) for the session
 * variant. Every name the tier creates starts with the run's prefix; nothing else is touched.
 */
export interface RealQuay {
  url: string;
  token: string;
  username?: string | undefined;
  password?: string | undefined;
}

export function realQuay(): RealQuay | undefined {
  const url = process.env.QUAY_URL;
  const token = process.env.QUAY_TOKEN;
  if (!url || !token) return undefined;
  return {
    url: url.replace(/\/+$/, ""),
    token,
    username: process.env.QUAY_USERNAME || undefined,
    password: process.env.QUAY_PASSWORD || undefined,
  };
}

export const SKIP_NO_QUAY =
  "skipped: QUAY_URL and QUAY_TOKEN are not set (source the real Quay's env file first; docs/acceptance.md)";

/** A per-run prefix: lowercase, short (Quay names), and unlikely to meet another run's. */
export const runPrefix = (): string => `acc${randomBytes(4).toString("hex").slice(0, 6)}`;

/** One way quay-gitops can sign in to Quay, as the CLI's environment. */
export interface CredentialSet {
  name: "token" | "session";
  /** Why the variant does not run, when it does not. */
  skip?: string;
  env: Record<string, string>;
}

/**
 * The credential sets the environment holds, each for every scenario. The session variant needs a
 * quay-gitops that signs in with a username and password (its help names QUAY_PASSWORD).
 */
export function credentialSets(q: RealQuay): CredentialSet[] {
  const sets: CredentialSet[] = [
    { name: "token", env: { QUAY_TOKEN: q.token, QUAY_USERNAME: "", QUAY_PASSWORD: "" } },
  ];
  const session: CredentialSet = {
    name: "session",
    env: { QUAY_TOKEN: "", QUAY_USERNAME: q.username ?? "", QUAY_PASSWORD: q.password ?? "" },
  };
  if (!q.username || !q.password)
    session.skip = "skipped: QUAY_USERNAME and QUAY_PASSWORD are not set (only a token)";
  else {
    const help = spawnSync(
      process.execPath,
      [path.join(projectRoot, "bin", "quay-gitops.js"), "apply", "--help"],
      {
        encoding: "utf8",
      },
    );
    if (!help.stdout.includes("QUAY_PASSWORD"))
      session.skip = "skipped: this quay-gitops cannot sign in with a username and password (only a token)";
  }
  sets.push(session);
  return sets;
}

/** One test file's run on the real Quay: its prefix, and its credential sets or why none runs. */
export interface AcceptanceRun {
  quay: RealQuay | undefined;
  prefix: string;
  /** Why nothing of the file runs: no real Quay, or `notReady` (what else the file needs). */
  skip: string | undefined;
  sets: CredentialSet[];
}

/** The run of a test file; `notReady` says why it cannot run although QUAY_URL is set. */
export function acceptanceRun(notReady?: string): AcceptanceRun {
  const quay = realQuay();
  const prefix = runPrefix();
  const skipped = (reason: string): CredentialSet[] => [
    { name: "token", skip: reason, env: {} },
    { name: "session", skip: reason, env: {} },
  ];
  if (!quay) return { quay, prefix, skip: SKIP_NO_QUAY, sets: skipped(SKIP_NO_QUAY) };
  if (notReady !== undefined) return { quay, prefix, skip: notReady, sets: skipped(notReady) };
  return { quay, prefix, skip: undefined, sets: credentialSets(quay) };
}

/** One describe block per credential set, skipped (with its reason in the title) when the set is. */
export function describeEachSignIn(sets: CredentialSet[], scenarios: (cred: CredentialSet) => void): void {
  for (const cred of sets)
    describe.skipIf(cred.skip !== undefined)(
      `signed in with ${cred.name === "token" ? "a token (QUAY_TOKEN)" : "a session (QUAY_USERNAME, QUAY_PASSWORD)"}${cred.skip ? ` — ${cred.skip}` : ""}`,
      () => scenarios(cred),
    );
}

/**
 * The run's own service account, the user the registry file's baseline names as existing
 * (registryText); removed with the run's other names.
 */
export async function createServiceAccount(admin: Api, username: string): Promise<void> {
  const bot = await admin("POST", "/api/v1/superuser/users/", {
    username,
    email: `${username}@accept.example`,
  });
  expect(bot.status, JSON.stringify(bot.data)).toBe(200);
}
