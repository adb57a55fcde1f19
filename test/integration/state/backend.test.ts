import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  maskBackendUrl,
  parseBackendUrl,
  redactBackendSecrets,
  resolveBackend,
  resolveSecrets,
  stackConfigPath,
} from "../../../src/engine/backend";
import { ConfigError } from "../../../src/errors";

// Backend URL rules and the passphrase rules (src/engine/backend.ts, docs/state.md). Pure checks; they
// sit with the state tests so that all state tests live in test/{integration,e2e}/state.
const LOCAL = "file:///work/proj/.state";

describe("backend URLs", () => {
  it("takes --backend over PULUMI_BACKEND_URL over the local file backend", () => {
    const env = { PULUMI_BACKEND_URL: "file:///srv/state" };
    expect(resolveBackend({ flag: "file:///x/y", env, localUrl: LOCAL })).toMatchObject({
      url: "file:///x/y",
      source: "--backend",
    });
    expect(resolveBackend({ env, localUrl: LOCAL })).toMatchObject({
      url: "file:///srv/state",
      source: "PULUMI_BACKEND_URL",
    });
    expect(resolveBackend({ env: { PULUMI_BACKEND_URL: "" }, localUrl: LOCAL })).toMatchObject({
      url: LOCAL,
      source: "default",
    });
  });

  it.each([
    ["file:///var/lib/quay-gitops/state", "file"],
    ["postgres://pulumi@db.lab:5432/pulumi?sslmode=verify-full&table=quay_gitops_state", "postgres"],
    ["postgres://pulumi:pw@127.0.0.1/pulumi?sslmode=disable", "postgres"],
    ["s3://quay-gitops-state?endpoint=http://127.0.0.1:8333&s3ForcePathStyle=true&region=us-east-1", "s3"],
    ["s3://quay-gitops-state/lab-a?region=eu-west-1", "s3"],
    ["s3://state.bucket?endpoint=rgw.lab:7480&disableSSL=true&s3ForcePathStyle=true&region=default", "s3"],
  ])("accepts %s", (url, kind) => {
    expect(parseBackendUrl(url).kind).toBe(kind);
  });

  it.each([
    ["", /empty URL/],
    ["/var/state", /not a URL/],
    ["file://relative/path", /three slashes/],
    ["file:///", /absolute folder path other than \//],
    ["http://state.lab/", /unsupported scheme 'http:'/],
    ["postgresql://u@h/db?sslmode=disable", /only recognises the postgres:\/\/ scheme/],
    ["postgres://h:5432/db?sslmode=disable", /needs a user/],
    ["postgres://u@h:5432/?sslmode=disable", /one database name/],
    ["postgres://u@h:5432/db", /say sslmode explicitly/],
    ["postgres://u@h:5432/db?sslmode=on", /sslmode must be one of/],
    ["postgres://u@h:5432/db?sslmode=disable&table=public.state", /plain lower-case SQL identifier/],
    ["postgres://u@h:5432/db?sslmode=disable&tabel=x", /unknown query parameter 'tabel'/],
    ["s3://Bad_Bucket", /valid bucket name/],
    ["s3://key:secret@bucket", /AWS_ACCESS_KEY_ID/],
    ["s3://bucket?endpoint=ftp://x&region=r", /http:\/\/ or https:\/\//],
    ["s3://bucket?s3ForcePathStyle=yes", /must be true or false/],
    ["s3://bucket?forcePathStyle=true", /unknown query parameter/],
  ])("refuses %j", (url, why) => {
    expect(() => parseBackendUrl(url, "--backend")).toThrow(ConfigError);
    expect(() => parseBackendUrl(url, "--backend")).toThrow(why);
  });

  it("never repeats a password in its errors", () => {
    expect(() => parseBackendUrl("postgres://u:hunter22@h/db")).toThrow(/postgres:\/\/u:\*\*\*\*@h\/db/);
    try {
      parseBackendUrl("postgres://u:hunter22@h/db");
    } catch (e) {
      expect((e as Error).message).not.toContain("hunter22");
    }
  });

  it("masks passwords for printing", () => {
    expect(maskBackendUrl("postgres://ci:p%40ss@db:5432/s?sslmode=require")).toBe(
      "postgres://ci:****@db:5432/s?sslmode=require",
    );
    expect(maskBackendUrl("postgres://ci@db/s?sslmode=require&password=x1&table=t")).toBe(
      "postgres://ci@db/s?sslmode=require&password=****&table=t",
    );
    expect(maskBackendUrl("s3://b?region=r")).toBe("s3://b?region=r");
    expect(maskBackendUrl("not a url://u:pw@x")).not.toContain("pw@");
    const url = "postgres://ci:p%40ss@db:5432/s?sslmode=require";
    expect(redactBackendSecrets(`failed to ping "${url}": password p@ss rejected`, url)).toBe(
      'failed to ping "postgres://ci:****@db:5432/s?sslmode=require": password **** rejected',
    );
  });
});

describe("secrets passphrase", () => {
  const pgBackend = parseBackendUrl("postgres://ci@db/s?sslmode=require");
  const local = parseBackendUrl(LOCAL);
  const base = { backend: pgBackend, isLocalBackend: false, localStack: "local" };

  it("comes from PULUMI_CONFIG_PASSPHRASE or a readable, non-empty PULUMI_CONFIG_PASSPHRASE_FILE", () => {
    expect(resolveSecrets({ ...base, stack: "lab-a", env: { PULUMI_CONFIG_PASSPHRASE: "x" } })).toEqual({
      kind: "passphrase",
      from: "PULUMI_CONFIG_PASSPHRASE",
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qg-pass-"));
    try {
      const file = path.join(dir, "p");
      fs.writeFileSync(file, "secret\n");
      expect(
        resolveSecrets({ ...base, stack: "lab-a", env: { PULUMI_CONFIG_PASSPHRASE_FILE: file } }).kind,
      ).toBe("passphrase");
      fs.writeFileSync(file, "\n");
      expect(() =>
        resolveSecrets({ ...base, stack: "lab-a", env: { PULUMI_CONFIG_PASSPHRASE_FILE: file } }),
      ).toThrow(/is empty/);
      expect(() =>
        resolveSecrets({
          ...base,
          stack: "lab-a",
          env: { PULUMI_CONFIG_PASSPHRASE_FILE: path.join(dir, "nope") },
        }),
      ).toThrow(/cannot be read \(ENOENT\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("has a default only for the local stack on the local file backend", () => {
    expect(
      resolveSecrets({ ...base, backend: local, isLocalBackend: true, stack: "local", env: {} }).kind,
    ).toBe("development-passphrase");
    // The local stack elsewhere, and any other stack on the local backend, need a real one.
    expect(() => resolveSecrets({ ...base, stack: "local", env: {} })).toThrow(ConfigError);
    expect(() =>
      resolveSecrets({ ...base, backend: local, isLocalBackend: true, stack: "lab-a", env: {} }),
    ).toThrow(/stack 'lab-a' on file:\/\/\/work\/proj\/.state needs its secrets passphrase/);
    expect(() => resolveSecrets({ ...base, stack: "lab-a", env: { PULUMI_CONFIG_PASSPHRASE: "" } })).toThrow(
      /set but empty/,
    );
  });

  it("is not needed with a KMS/Vault secrets provider, or for stack-less commands", () => {
    expect(
      resolveSecrets({ ...base, stack: "lab-a", env: {}, secretsProvider: "hashivault://quay-gitops" }),
    ).toMatchObject({
      kind: "provider",
      from: "option",
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qg-sp-"));
    try {
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: p\nruntime: nodejs\nstackConfigDir: stacks\n");
      const file = stackConfigPath(dir, "lab-a");
      expect(file).toBe(path.join(dir, "stacks", "Pulumi.lab-a.yaml"));
      fs.mkdirSync(path.dirname(file));
      fs.writeFileSync(
        file,
        "secretsprovider: awskms://alias/quay-gitops?region=eu-west-1\nencryptedkey: abc\n",
      );
      expect(resolveSecrets({ ...base, stack: "lab-a", env: {}, stackConfigFile: file })).toMatchObject({
        kind: "provider",
        provider: "awskms://alias/quay-gitops?region=eu-west-1",
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(resolveSecrets({ ...base, env: {} })).toEqual({ kind: "none-needed" });
  });
});
