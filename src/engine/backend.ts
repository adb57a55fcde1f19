import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../errors";

/**
 * Where a stack's state lives (docs/state.md). Pulumi's self-managed ("DIY") backend keeps the same
 * objects in a folder, a PostgreSQL table or an S3 bucket; the URL picks which:
 *
 * - `file:///abs/path`: one machine, local work (default: `.state/` in the project);
 * - `postgres://user@host:port/db?sslmode=…&table=…`: shared, for labs that run PostgreSQL;
 * - `s3://bucket?endpoint=…&s3ForcePathStyle=true&region=…`: shared, for labs with S3-compatible storage.
 *
 * Precedence: `--backend URL` (CLI), then PULUMI_BACKEND_URL, then the local file backend.
 */
export type BackendKind = "file" | "postgres" | "s3";

export interface Backend {
  /** The URL exactly as Pulumi gets it (may hold a password: never print it, print `display`). */
  readonly url: string;
  readonly kind: BackendKind;
  /** The URL with any password masked as `****`, for messages and logs. */
  readonly display: string;
  /** Where the URL came from, for error messages. */
  readonly source: "--backend" | "PULUMI_BACKEND_URL" | "default" | "option";
}

/** The local file backend of the project (ignored by Git); given by env.ts so this module stays pure. */
export interface ResolveBackendOptions {
  /** `--backend URL` from the command line. */
  flag?: string | undefined;
  /** A URL passed by code (e.g. tests); wins over the environment like a flag. */
  url?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  /** The default when neither flag nor environment names one. */
  localUrl: string;
}

export function resolveBackend(opts: ResolveBackendOptions): Backend {
  const env = opts.env ?? process.env;
  if (opts.flag !== undefined) return parseBackendUrl(opts.flag, "--backend");
  if (opts.url !== undefined) return parseBackendUrl(opts.url, "option");
  const fromEnv = env.PULUMI_BACKEND_URL;
  if (fromEnv !== undefined && fromEnv !== "") return parseBackendUrl(fromEnv, "PULUMI_BACKEND_URL");
  return parseBackendUrl(opts.localUrl, "default");
}

const PG_SSLMODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];
// lib/pq connection parameters Pulumi passes through (pkg/backend/diy/postgres/README.md at v3.259.0), plus
// `table`, which Pulumi strips and uses itself. Unknown names are refused here rather than by the driver mid-run.
const PG_PARAMS = new Set([
  "table",
  "sslmode",
  "sslcert",
  "sslkey",
  "sslrootcert",
  "sslcrl",
  "sslcompression",
  "sslsni",
  "sslpassword",
  "connect_timeout",
  "keepalives",
  "keepalives_idle",
  "keepalives_interval",
  "keepalives_count",
  "tcp_user_timeout",
  "application_name",
  "client_encoding",
  "options",
  "timezone",
  "search_path",
  "passfile",
  "password",
  "target_session_attrs",
  "load_balance_hosts",
  "hostaddr",
]);
// Query parameters of gocloud.dev's s3blob opener in the version Pulumi v3.259.0 links (gocloud.dev/aws
// V2ConfigFromURLParams + s3blob URLOpener); it fails on any other name ("unknown query parameter").
// `disableSSL` is the AWS SDK v1 name Pulumi still translates (backend/diy translateLegacyS3Params).
const S3_PARAMS = new Set([
  "disableSSL",
  "region",
  "endpoint",
  "profile",
  "s3ForcePathStyle",
  "use_path_style",
  "disable_https",
  "awssdk",
  "ssetype",
  "kmskeyid",
  "accelerate",
  "dualstack",
  "fips",
  "anonymous",
  "role",
  "hostname_immutable",
  "rate_limiter_capacity",
  "request_checksum_calculation",
  "response_checksum_validation",
]);
/** Query parameters whose values are secret and are masked like a URL password. */
const SECRET_PARAMS = new Set(["password", "sslpassword"]);
const BOOL = /^(true|false|1|0|t|f|TRUE|FALSE|True|False)$/;

/** Validates a backend URL and returns it with its kind and a printable form. Throws ConfigError. */
export function parseBackendUrl(url: string, source: Backend["source"] = "option"): Backend {
  const where = source === "default" ? "the default backend" : source === "option" ? "backend URL" : source;
  const fail = (why: string): never => {
    throw new ConfigError(
      `${where}: ${why}: '${maskBackendUrl(url)}' (docs/state.md lists the accepted forms)`,
    );
  };
  const trimmed = url.trim();
  if (trimmed === "") fail("empty URL");
  if (trimmed !== url) fail("leading or trailing white space");
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return fail(
      "not a URL; expected file:///abs/path, postgres://user@host:port/db?sslmode=… or s3://bucket?…",
    );
  }
  const display = maskBackendUrl(url);
  switch (u.protocol) {
    case "file:": {
      // Pulumi also accepts file://~ (home folder); we keep state out of home folders on purpose.
      if (u.host !== "") fail("a file backend is file:///absolute/path (three slashes: no host)");
      const p = decodeURIComponent(u.pathname);
      if (!path.isAbsolute(p) || p === "/") fail("a file backend needs an absolute folder path other than /");
      if (u.search !== "" || u.hash !== "") fail("a file backend takes no query or fragment");
      return { url, kind: "file", display, source };
    }
    case "postgres:":
    case "postgresql:": {
      if (u.protocol === "postgresql:")
        fail("Pulumi only recognises the postgres:// scheme, not postgresql://");
      if (u.hostname === "") fail("a postgres backend needs a host: postgres://user@host:port/db");
      if (u.username === "") fail("a postgres backend needs a user: postgres://user@host:port/db");
      const db = decodeURIComponent(u.pathname.replace(/^\//, ""));
      if (db === "" || db.includes("/"))
        fail("a postgres backend needs one database name: postgres://user@host:port/db");
      if (u.hash !== "") fail("a postgres backend URL takes no fragment");
      for (const [k, v] of u.searchParams) {
        if (!PG_PARAMS.has(k)) fail(`unknown query parameter '${k}'`);
        if (k === "sslmode" && !PG_SSLMODES.includes(v))
          fail(`sslmode must be one of ${PG_SSLMODES.join(", ")}`);
        // Pulumi puts the table name into its SQL as is (CREATE TABLE %s, CREATE INDEX %s_key_prefix_idx):
        // only a plain, unquoted identifier works there.
        if (k === "table" && !/^[a-z_][a-z0-9_]{0,40}$/.test(v)) {
          fail("table must be a plain lower-case SQL identifier (letters, digits, _; at most 41 characters)");
        }
      }
      if (!u.searchParams.has("sslmode")) {
        // lib/pq defaults to sslmode=require, which fails against servers without TLS with a message about
        // SSL; make the choice explicit instead.
        fail("say sslmode explicitly (require or verify-full for a shared server; disable only on loopback)");
      }
      return { url, kind: "postgres", display, source };
    }
    case "s3:": {
      const bucket = u.hostname;
      // S3 bucket naming rules (lower case, 3-63 characters), which S3-compatible servers share.
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
        fail(
          "an s3 backend is s3://bucket[/prefix]?… with a valid bucket name (3-63 lower-case letters, digits, '.', '-')",
        );
      }
      if (u.username !== "" || u.password !== "") {
        fail(
          "put S3 credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or a profile), never in the URL",
        );
      }
      if (u.port !== "") fail("the port belongs in endpoint=…, not after the bucket name");
      if (u.hash !== "") fail("an s3 backend URL takes no fragment");
      for (const [k, v] of u.searchParams) {
        if (!S3_PARAMS.has(k)) fail(`unknown query parameter '${k}'`);
        if (
          [
            "s3ForcePathStyle",
            "use_path_style",
            "disable_https",
            "disableSSL",
            "accelerate",
            "dualstack",
            "fips",
            "anonymous",
          ].includes(k)
        ) {
          if (!BOOL.test(v)) fail(`${k} must be true or false`);
        }
        if (k === "endpoint") {
          // Pulumi adds http:// or https:// (from disableSSL) to a bare host:port itself.
          if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
            if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(v))
              fail("endpoint must be host:port or an http(s):// URL");
            continue;
          }
          let e: URL;
          try {
            e = new URL(v);
          } catch {
            return fail(
              "endpoint must be a URL such as https://s3.lab.example:443 (URL-encode it if it has a query)",
            );
          }
          if (e.protocol !== "http:" && e.protocol !== "https:")
            fail("endpoint must be an http:// or https:// URL");
        }
      }
      return { url, kind: "s3", display, source };
    }
    default:
      return fail(`unsupported scheme '${u.protocol}'; use file://, postgres:// or s3://`);
  }
}

/** The URL with the user's password and any password query parameter replaced by `****`. */
export function maskBackendUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not parseable: mask a `scheme://user:password@` prefix textually, the only place a password would be.
    return url.replace(/(:\/\/[^:/@\s]*):[^@/\s]*@/g, "$1:****@");
  }
  let out = url;
  if (u.password !== "") out = out.replace(`:${u.password}@`, ":****@");
  for (const [k, v] of u.searchParams) {
    if (SECRET_PARAMS.has(k) && v !== "") {
      out = out.replace(new RegExp(`([?&]${k}=)[^&#]*`), "$1****");
    }
  }
  return out;
}

/** Replaces every occurrence of the backend URL's secrets in `text` (e.g. an engine error) with `****`. */
export function redactBackendSecrets(text: string, url: string | undefined): string {
  if (!url) return text;
  let out = text.split(url).join(maskBackendUrl(url));
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    return out;
  }
  const secrets = new Set<string>();
  if (u.password !== "") {
    secrets.add(u.password);
    secrets.add(decodeURIComponent(u.password));
  }
  for (const [k, v] of u.searchParams) if (SECRET_PARAMS.has(k) && v !== "") secrets.add(v);
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join("****");
  return out;
}

// ----- secrets (passphrase or another secrets provider) -----

/** How the stack's secrets will be encrypted and decrypted in this run. */
export type SecretsSource =
  | { kind: "passphrase"; from: "PULUMI_CONFIG_PASSPHRASE" | "PULUMI_CONFIG_PASSPHRASE_FILE" }
  | { kind: "development-passphrase" }
  | { kind: "provider"; provider: string; from: "option" | "stack config" }
  | { kind: "none-needed" };

export interface ResolveSecretsOptions {
  /** The stack the run is for; undefined for stack-less commands (which need no secrets). */
  stack?: string | undefined;
  backend: Backend;
  /** True when `backend` is the project's own local file backend in .state/. */
  isLocalBackend: boolean;
  /** The stack that may use the public development passphrase there. */
  localStack: string;
  env: Readonly<Record<string, string | undefined>>;
  /** `--secrets-provider` for a new stack (awskms://…, hashivault://…, passphrase). */
  secretsProvider?: string | undefined;
  /** The stack's config file (Pulumi.<stack>.yaml), read for `secretsprovider:` when it exists. */
  stackConfigFile?: string | undefined;
}

/**
 * Decides, before anything runs, how this run gets the stack's secrets key. Only the `local` stack on
 * the project's own file backend has a default (a public development passphrase); every other stack,
 * on every other backend, needs PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE from the CI's
 * secret store, or a stack whose secrets provider is a KMS/Vault (`secretsprovider:` in its config
 * file, or `secretsProvider` for a new stack). A missing one is a ConfigError here, not a prompt or a
 * half-finished run later.
 */
export function resolveSecrets(opts: ResolveSecretsOptions): SecretsSource {
  if (opts.stack === undefined) return { kind: "none-needed" };
  const provider = opts.secretsProvider ?? stackSecretsProvider(opts.stackConfigFile);
  if (provider !== undefined && provider !== "passphrase" && provider !== "default") {
    return {
      kind: "provider",
      provider,
      from: opts.secretsProvider !== undefined ? "option" : "stack config",
    };
  }
  const { env } = opts;
  const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
  const phrase = env.PULUMI_CONFIG_PASSPHRASE;
  if (phrase !== undefined && phrase !== "") return { kind: "passphrase", from: "PULUMI_CONFIG_PASSPHRASE" };
  if (file !== undefined && file !== "") {
    let content: string;
    try {
      content = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new ConfigError(
        `PULUMI_CONFIG_PASSPHRASE_FILE names '${file}', which cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`,
      );
    }
    if (content.trim() === "") throw new ConfigError(`PULUMI_CONFIG_PASSPHRASE_FILE '${file}' is empty`);
    return { kind: "passphrase", from: "PULUMI_CONFIG_PASSPHRASE_FILE" };
  }
  if (opts.stack === opts.localStack && opts.isLocalBackend) return { kind: "development-passphrase" };
  const empty =
    phrase === ""
      ? " (PULUMI_CONFIG_PASSPHRASE is set but empty, which would leave secrets unprotected)"
      : "";
  throw new ConfigError(
    `stack '${opts.stack}' on ${opts.backend.display} needs its secrets passphrase${empty}: set ` +
      "PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE from your secret store (CI: a masked secret), " +
      "or give the stack a KMS/Vault secrets provider. Only the `local` stack on the local file backend has a " +
      "development default (docs/state.md, Passphrase).",
  );
}

/** The `secretsprovider:` of a stack config file, or undefined (no file, or passphrase-based). */
export function stackSecretsProvider(file: string | undefined): string | undefined {
  if (file === undefined || !fs.existsSync(file)) return undefined;
  let doc: unknown;
  try {
    doc = parseYaml(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError(`cannot parse the stack config file ${file}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const sp = (doc as { secretsprovider?: unknown } | null)?.secretsprovider;
  return typeof sp === "string" && sp !== "" ? sp : undefined;
}

/** `<workDir>/<stackConfigDir>/Pulumi.<stack>.yaml`, as Pulumi finds it (stackConfigDir from Pulumi.yaml). */
export function stackConfigPath(workDir: string, stack: string): string {
  let dir = workDir;
  const projectFile = path.join(workDir, "Pulumi.yaml");
  if (fs.existsSync(projectFile)) {
    const project = parseYaml(fs.readFileSync(projectFile, "utf8")) as { stackConfigDir?: unknown } | null;
    if (typeof project?.stackConfigDir === "string") dir = path.resolve(workDir, project.stackConfigDir);
  }
  // Fully qualified names (org/project/stack) keep only the last part in the file name.
  const short = stack.split("/").pop() ?? stack;
  return path.join(dir, `Pulumi.${short}.yaml`);
}
