import { type Scope, isScope, mintToken, newAccessToken } from "./auth";
import { ADMIN_USER, bootstrapAdmin, defaultAdminPassword, existingBootstrapToken } from "./bootstrap";
import { type EmulatorConfig, loadConfigFile, type ResolvedConfig, resolveConfig } from "./config";
import { type CostSpec, parseCost, Workers } from "./cost";
import { EmulatorError } from "./errors";
import { type FaultSpec, Faults } from "./faults";
import { hashPassword } from "./passwords";
import { createControlHandler } from "./routes/control";
import { allRoutes } from "./routes/index";
import { EmulatorServer } from "./server";
import { loadStateFile, saveStateFile, Store } from "./state";
import { Stats, type StatsSnapshot } from "./stats";

/**
 * The Quay-compatible emulator (docs/emulator.md): an in-process HTTP server implementing the
 * Quay 3.18.0 REST API subset of docs/quay-api.md#sources, with a control API under `/_emulator/`.
 */

export type { EmulatorConfig } from "./config";
export { type CostSpec, QUAY_COST } from "./cost";
export type { FaultSpec } from "./faults";
export type { StatsSnapshot } from "./stats";
export { ALL_SCOPES, type Scope } from "./auth";

export interface StartEmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Loaded at start when it exists, written by `close()` and `saveState()`. */
  stateFile?: string;
  /** Quay config keys (object) or the path of a YAML/JSON config file. */
  config?: EmulatorConfig | string;
  /** The bootstrap admin token's value; default: QUAY_EMULATOR_TOKEN, the state file's, or random. */
  token?: string;
  /** The bootstrap admin's password; default: QUAY_EMULATOR_PASSWORD, else derived from the token. */
  password?: string;
  /** The library never writes to the console; kept for callers that pass it through. */
  quiet?: boolean;
  /**
   * Start with this fault `cost` (docs/emulator.md "What a request costs"): `"quay"` or the numbers.
   * It is part of the fault configuration, so `setFaults` without a cost and `clearFaults` end it.
   */
  cost?: CostSpec | string;
}

export interface InternalError {
  at: string;
  method: string;
  path: string;
  error: string;
}

export interface RunningEmulator {
  /** `http://host:port`, no trailing slash. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The bootstrap superuser's token (every scope, never expires). */
  readonly token: string;
  /** The bootstrap superuser's password (for `POST /api/v1/signin`). */
  readonly password: string;
  readonly user: "admin";
  readonly config: ResolvedConfig;
  /** Direct access to the data, for assertions; mutate only through HTTP in tests. */
  readonly store: Store;
  /** Unexpected exceptions answered with an HTML 500 (emulator bugs, not Quay-faithful 500s). */
  readonly internalErrors: readonly InternalError[];
  stats(): StatsSnapshot;
  resetStats(): void;
  setFaults(spec: FaultSpec): { seed: number };
  clearFaults(): void;
  /** Mints a token for any existing user (as `POST /_emulator/tokens` does). */
  mintToken(user: string, scopes: readonly Scope[], options?: { expiresInSeconds?: number }): string;
  /** Back to the bootstrap state (`empty: true`: no user at all, to exercise user/initialize). */
  reset(options?: { empty?: boolean }): void;
  saveState(): void;
  close(): Promise<void>;
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const input = typeof options.config === "string" ? loadConfigFile(options.config) : (options.config ?? {});
  const config = resolveConfig(input);
  const store = new Store();
  if (options.stateFile) {
    const snapshot = loadStateFile(options.stateFile);
    if (snapshot) store.load(snapshot);
  }
  const tokenValue =
    options.token ??
    (process.env.QUAY_EMULATOR_TOKEN || undefined) ??
    existingBootstrapToken(store) ??
    newAccessToken();
  const adminPassword =
    options.password ?? (process.env.QUAY_EMULATOR_PASSWORD || undefined) ?? defaultAdminPassword(tokenValue);
  const adminHash = hashPassword(adminPassword);
  const adminToken = bootstrapAdmin(store, config, adminHash, tokenValue).token;

  const stats = new Stats();
  const faults = new Faults();
  if (options.cost !== undefined)
    faults.configure({ cost: parseCost(options.cost, "cost", "QG_EMU_CONFIG") });
  const workers = new Workers(stats, () => faults.cost);
  const internalErrors: InternalError[] = [];
  const recordError = (error: unknown, method: string, path: string) => {
    internalErrors.push({
      at: new Date().toISOString(),
      method,
      path,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    if (internalErrors.length > 50) internalErrors.shift();
  };
  const reset = (opts: { empty?: boolean } = {}) => {
    store.clear();
    if (!opts.empty) bootstrapAdmin(store, config, adminHash, adminToken);
  };
  const control = createControlHandler({
    store,
    config,
    stats,
    faults,
    reset: (o) => reset(o),
    internalErrors,
  });
  const server = new EmulatorServer({
    store,
    config,
    routes: allRoutes,
    stats,
    faults,
    workers,
    control,
    onInternalError: recordError,
  });
  const host = options.host ?? "127.0.0.1";
  const address = await server.listen(host, options.port ?? 0);
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const saveState = () => {
    if (options.stateFile) saveStateFile(options.stateFile, store.snapshot({ redact: false }));
  };
  let closed = false;

  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    token: adminToken,
    password: adminPassword,
    user: ADMIN_USER,
    config,
    store,
    internalErrors,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    setFaults: (spec) => faults.configure(spec),
    clearFaults: () => {
      faults.clear();
    },
    mintToken(user, scopes, opts = {}) {
      const account = store.user(user);
      if (!account) throw new EmulatorError("QG_EMU_CONTROL", `no user named ${user}`);
      if (!scopes.every(isScope)) throw new EmulatorError("QG_EMU_CONTROL", "unknown scope");
      return mintToken(store, account, scopes, {
        ttlS: opts.expiresInSeconds ?? null,
        clientId: `emulator-${user}`,
        appName: "emulator",
      }).token;
    },
    reset,
    saveState,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      saveState();
    },
  };
}
