import type { KindInfo, KindName } from "../src/kinds";
import type { QuaySession } from "../src/quay/api/session";

/**
 * The contract every Quay object kind meets: the I/O half of a kind (one file per kind in
 * providers/, one entry in providers/registry.ts). The pure half (audit-log matchers, warnings,
 * feature, resource names, schema paths) is the kind's descriptor in src/kinds/, which the planner
 * and the tenant loader read without loading the Quay client; `info` links the two. `host.ts` adapts
 * a Kind to Pulumi's dynamic-provider interface; a kind only fills in what is particular to its Quay
 * endpoints.
 *
 * Inputs (`D`, the desired state) are plain data from the normalized model. Outputs (`L`, the live
 * state) carry every input field with its live value plus computed fields (ids, tokens), so `diff`
 * compares like with like.
 *
 * Must:
 * - `create` adopts an object that already exists under that name (a crash after a create, or a
 *   registry that was clicked together before), converges it where Quay can update, and never fails
 *   with "already exists" nor duplicates it (Pulumi's import does not work for dynamic providers);
 * - `read` returns the live state normalized against Quay's quirks (docs/quay-api.md#emulator-gotchas: implicit grants,
 *   worker-rewritten fields, fields Quay never returns), or `undefined` when the object is gone;
 *   control fields that Quay does not store (e.g. `deletionPolicy`) come from the state;
 * - `update` sends only the writes for the fields that changed, and nothing when Quay already
 *   matches;
 * - `delete` treats "already gone" as success.
 *
 * May:
 * - answer reads from the session's per-run cache of list endpoints (few requests: docs/quay-api.md#cost);
 * - build outputs from what it sent plus Quay's answer instead of re-reading (the next refresh reads).
 *
 * Must not:
 * - log or return secrets other than through fields declared in `secretFields` / secret outputs;
 * - touch another organization than the one in its inputs.
 */
export interface Kind<D extends object, L extends D> {
  /** The kind's descriptor (src/kinds/<kind>.ts): its name, feature flag, words, resource names. */
  readonly info: KindInfo<KindName>;
  /** Pulumi type `pulumi-nodejs:dynamic/quay:<kind>`: `info.name`. */
  readonly kind: KindName;
  /** Input fields that `diff` compares (every field of D that matters). */
  readonly fields: readonly (keyof D & string)[];
  /** Fields Quay cannot change in place, with the reason (shown in docs and errors). */
  readonly replaceOn: Partial<Record<keyof D & string, string>>;
  /** Quay allows one object of this kind per scope: the old one must go before the new one. */
  readonly deleteBeforeReplace?: boolean;
  /**
   * Write-only fields (passwords): never returned by Quay, so `read` keeps them from the state and
   * leaves them out of the inputs it reports.
   */
  readonly secretFields?: readonly (keyof D & string)[];
  /** Problems with the inputs, as `[property, reason]`. Unknown values are not passed in. */
  validate(d: D): [string, string][];
  /** Canonical form of the inputs (sorted lists, defaults): `check` returns it. */
  normalize?(d: D): D;
  /** The Pulumi id: readable where Quay names the object, Quay's own id where it does not. */
  id(d: D, live?: L): string;
  create(ctx: Context, d: D): Promise<L>;
  read(ctx: Context, id: string, state: L): Promise<L | undefined>;
  update(ctx: Context, id: string, state: L, d: D, changed: ReadonlySet<keyof D & string>): Promise<L>;
  delete(ctx: Context, id: string, state: L): Promise<void>;
}

export interface Context {
  readonly session: QuaySession;
  readonly settings: ProviderSettings;
  readonly log: Log;
}

export interface ProviderSettings {
  readonly url: string;
  /** Delete organizations and repositories that hold tags (`quay-gitops apply --force`). */
  readonly forceDelete: boolean;
}

export interface Log {
  info(message: string): void;
  warn(message: string): void;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds kinds of every shape
export type AnyKind = Kind<any, any>;
