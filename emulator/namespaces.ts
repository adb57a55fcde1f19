import { randomBytes, randomInt, randomUUID } from "node:crypto";
import type { ResolvedConfig } from "./config";
import { DataModelError } from "./errors";
import type { Account, Store } from "./state";
import { validateUsername, validEmail } from "./validation";

/**
 * The namespace lifecycle of data/model/user.py: creating users and organizations (one shared name
 * space), marking a namespace for deletion (renamed to a UUID and disabled, its name free again at
 * once: quay v3.18.0 data/model/user.py; docs/quay-api.md#organizations, docs/quay-api.md#users) and the GC worker's purge.
 */

/**
 * `encrypted_password` as Quay shapes it (data/users/__init__.py encrypt_user_password,
 * util/security/aes.py at v3.18.0): base64 of a 16-byte IV and the AES-CBC ciphertext of
 * `{"password": "<password>"}` with PKCS7 padding (observed on Quay 3.18.0). The emulator has no key
 * to encrypt with, so the bytes are random; only the shape and length are Quay's.
 */
export function encryptedPassword(password: string): string {
  const message = Buffer.byteLength(`{"password": ${JSON.stringify(password)}}`);
  const padded = (Math.floor(message / 16) + 1) * 16;
  return randomBytes(16 + padded).toString("base64");
}

/** `random_string_generator(length=64)`: robot tokens are 64 characters of [A-Z0-9] (docs/quay-api.md#names). */
export function randomUpperAlnum(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(36)];
  return out;
}

export function newAccount(
  store: Store,
  init: Pick<Account, "username" | "email" | "kind"> & Partial<Account>,
  config: ResolvedConfig,
): Account {
  return store.addAccount({
    id: store.newId(),
    createdMs: Date.now(),
    enabled: true,
    verified: false,
    passwordHash: null,
    tagExpirationS: config.defaultTagExpirationS,
    invoiceEmail: false,
    invoiceEmailAddress: null,
    ...init,
  });
}

/**
 * create_user_noverify: the checks in Quay's order. Throws DataModelError with Quay's messages
 * (callers turn some of them into ApiExceptions, as the endpoints do).
 */
export function createNamespace(
  store: Store,
  config: ResolvedConfig,
  name: string,
  email: string | null | undefined,
  options: { emailRequired: boolean; kind: "user" | "org" },
): Account {
  if (options.emailRequired && !validEmail(email)) {
    throw new DataModelError(`Invalid email address: ${email ?? "None"}`);
  }
  const issue = validateUsername(name);
  if (issue) throw new DataModelError(`Invalid namespace ${name}: ${issue}`);
  const existing = store.account(name);
  if (existing) {
    throw new DataModelError(
      existing.kind === "org"
        ? `Username has already been taken by an organization and cannot be reused: ${name}`
        : `Username has already been taken by user cannot be reused: ${name}`,
    );
  }
  // Quay 3.18.0 does not look at deleted namespaces here: the name is free as soon as the delete renamed
  // the row (observed). Newer Quay refuses it ("Username is not available") until the GC purged it.
  if (options.emailRequired) {
    for (const a of store.accounts.values()) {
      if (a.kind === "user" && a.email === email)
        throw new DataModelError(`Email has already been used: ${email}`);
    }
  }
  return newAccount(store, { username: name, email: email || randomUUID(), kind: options.kind }, config);
}

/** Repositories, robots, quotas and policies that live in a namespace go with it. */
function deleteNamespaceContents(store: Store, ns: Account): void {
  for (const repo of store.reposOf(ns.id)) store.deleteRepo(repo);
  for (const robot of store.robotsOf(ns)) deleteRobot(store, robot);
  const quota = store.quotaOf(ns.id);
  if (quota) store.deleteQuota(quota);
  for (const p of [...store.autoprune.values()]) if (p.namespaceId === ns.id) store.autoprune.delete(p.id);
  for (const p of [...store.immutability.values()])
    if (p.namespaceId === ns.id) store.immutability.delete(p.id);
  store.proxyCaches.delete(ns.id);
}

/** Robot delete: its permissions, team memberships and the prototypes that delegate to it (docs/quay-api.md#emulator-gotchas). */
export function deleteRobot(store: Store, robot: Account): void {
  for (const m of [...store.mirrors.values()]) if (m.robotId === robot.id) store.mirrors.delete(m.id);
  for (const p of [...store.permissions.values()]) if (p.userId === robot.id) store.permissions.delete(p.id);
  for (const t of store.teams.values()) t.memberIds = t.memberIds.filter((id) => id !== robot.id);
  for (const p of [...store.prototypes.values()]) {
    if (p.delegateUserId === robot.id || p.activatingUserId === robot.id) store.prototypes.delete(p.id);
  }
  store.removeAccount(robot);
}

/**
 * mark_namespace_for_deletion (force=True for the superuser panel): an already disabled namespace is
 * left alone. Otherwise linked data goes at once (an org's teams; a user's team memberships; robots,
 * quotas), the row is renamed to a UUID and disabled, and the old name is free again at once. A
 * deleted user's repository permissions and prototypes stay, under the UUID name (docs/quay-api.md#emulator-gotchas drift trap).
 */
export function markForDeletion(store: Store, ns: Account): void {
  if (!ns.enabled) return;
  if (ns.kind === "org") {
    for (const t of store.orgTeams(ns.id)) store.deleteTeam(t);
  } else {
    for (const t of store.teams.values()) t.memberIds = t.memberIds.filter((id) => id !== ns.id);
    for (const i of [...store.invites.values()]) if (i.userId === ns.id) store.invites.delete(i.id);
  }
  deleteNamespaceContents(store, ns);
  for (const t of [...store.tokens.values()]) if (t.userId === ns.id) store.tokens.delete(t.token);
  const original = ns.username;
  store.renameAccount(ns, randomUUID());
  ns.email = randomUUID();
  ns.enabled = false;
  ns.deletedName = original;
}

/** The namespace GC worker: purges every namespace marked for deletion (and what still names it). */
export function collectGarbage(store: Store): string[] {
  const purged: string[] = [];
  for (const a of [...store.accounts.values()]) {
    if (a.deletedName === undefined) continue;
    for (const p of [...store.permissions.values()]) if (p.userId === a.id) store.permissions.delete(p.id);
    for (const p of [...store.prototypes.values()]) {
      if (p.delegateUserId === a.id || p.activatingUserId === a.id || p.orgId === a.id)
        store.prototypes.delete(p.id);
    }
    for (const i of [...store.invites.values()]) if (i.inviterId === a.id) store.invites.delete(i.id);
    store.removeAccount(a);
    purged.push(a.deletedName);
  }
  return purged.sort();
}
