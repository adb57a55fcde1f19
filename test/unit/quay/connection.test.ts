import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { signInThrottleWait } from "../../../src/quay/auth";
import {
  CONNECTION_HELP,
  connectionSource,
  findConnection,
  resolveConnection,
} from "../../../src/quay/connection";
import { CookieJar } from "../../../src/quay/cookies";

const source = (config: Record<string, string>, env: Record<string, string> = {}) =>
  connectionSource((k) => config[k], env);

describe("resolveConnection: one precedence for every setting", () => {
  it("stack config first, then the environment; an empty value counts as unset", () => {
    const c = resolveConnection(
      source(
        {
          "quay-gitops:url": "https://config.example",
          "quay-gitops:maxConcurrency": "",
          "quay-gitops:caFile": "/ca.pem",
        },
        { QUAY_URL: "https://env.example", QUAY_TOKEN: "env-token-1", QUAY_MAX_CONCURRENCY: "3" },
      ),
    );
    expect(c.url).toBe("https://config.example");
    expect(c.auth).toBe("token");
    expect(c.maxConcurrency).toBe(3);
    expect(c.caFile).toBe("/ca.pem");
    expect(c.insecureSkipTlsVerify).toBe(false);
  });

  it("a username and password make a session, even with a token beside them", () => {
    const c = resolveConnection(
      source(
        { "quay-gitops:username": "automation", "quay-gitops:token": "tok-123456" },
        {
          QUAY_URL: "https://q.example",
          QUAY_PASSWORD: "pw-from-ci-secret",
        },
      ),
    );
    expect(c.auth).toBe("session");
    expect(c.username).toBe("automation");
    expect(c.secrets()).toEqual(["pw-from-ci-secret"]);
  });

  it("a username without a password, or the reverse, is an error naming the missing half", () => {
    expect(() =>
      findConnection(source({}, { QUAY_URL: "https://q", QUAY_USERNAME: "a", QUAY_TOKEN: "t-1234" })),
    ).toThrow(
      /the Quay username is set \(QUAY_USERNAME\) but no password: set quay-gitops:password \(secret\) or QUAY_PASSWORD/,
    );
    expect(() =>
      findConnection(source({ "quay-gitops:password": "pw-123456" }, { QUAY_URL: "https://q" })),
    ).toThrow(/a Quay password is set \(quay-gitops:password\) but no username/);
  });

  it("no URL or no credential: none found; resolve names both ways to connect", () => {
    expect(findConnection(source({}, { QUAY_TOKEN: "t-1234" }))).toBeUndefined();
    expect(findConnection(source({}, { QUAY_URL: "https://q" }))).toBeUndefined();
    expect(() => resolveConnection(source({}, {}))).toThrow(`no Quay connection: ${CONNECTION_HELP}`);
    expect(CONNECTION_HELP).toMatch(/quay-gitops:token/);
    expect(CONNECTION_HELP).toMatch(/quay-gitops:username and quay-gitops:password/);
    expect(CONNECTION_HELP).toMatch(/QUAY_USERNAME and QUAY_PASSWORD/);
  });

  it("refuses wrong values instead of guessing", () => {
    const env = { QUAY_URL: "https://q", QUAY_TOKEN: "t-1234" };
    expect(() => findConnection(source({ "quay-gitops:maxConcurrency": "0" }, env))).toThrow(
      /quay-gitops:maxConcurrency must be a positive integer/,
    );
    expect(() => findConnection(source({}, { ...env, QUAY_INSECURE_SKIP_TLS_VERIFY: "yes" }))).toThrow(
      /QUAY_INSECURE_SKIP_TLS_VERIFY must be true or false/,
    );
    expect(
      findConnection(source({ "quay-gitops:insecureSkipTlsVerify": "true" }, env))?.insecureSkipTlsVerify,
    ).toBe(true);
  });

  it("keeps credentials and the environment out of inspect and JSON; sameAs compares them", () => {
    const env = {
      QUAY_URL: "https://q",
      QUAY_USERNAME: "automation",
      QUAY_PASSWORD: "secret-password-1",
      HTTPS_PROXY: "http://user:proxy-pass@proxy:3128",
      UNRELATED: "x",
    };
    const c = resolveConnection(source({}, env));
    const shown = `${inspect(c, { showHidden: true, depth: 5 })}${JSON.stringify(c)}`;
    expect(shown).not.toContain("secret-password-1");
    expect(shown).not.toContain("proxy-pass");
    expect(c.sameAs(resolveConnection(source({}, env)))).toBe(true);
    expect(c.sameAs(resolveConnection(source({}, { ...env, QUAY_PASSWORD: "rotated-password" })))).toBe(
      false,
    );
    expect(c.sameAs(resolveConnection(source({}, { ...env, HTTPS_PROXY: "" })))).toBe(false);
  });
});

describe("signInThrottleWait", () => {
  it("one second more than Quay's truncated Retry-After, doubling by attempt, at most 30 s", () => {
    expect(signInThrottleWait(1, 0)).toBe(1_000);
    expect(signInThrottleWait(1, undefined)).toBe(1_000);
    expect(signInThrottleWait(2, 1_000)).toBe(2_000);
    expect(signInThrottleWait(1, 3_000)).toBe(4_000);
    expect(signInThrottleWait(4, 0)).toBe(8_000);
    expect(signInThrottleWait(9, 0)).toBe(30_000);
    expect(signInThrottleWait(1, 120_000)).toBe(30_000);
  });
});

describe("CookieJar", () => {
  it("keeps every cookie, replaces by name, drops deleted ones, sends them back", () => {
    const jar = new CookieJar();
    expect(jar.header()).toBeUndefined();
    jar.store(["_csrf_token=abc.1.sig; HttpOnly; Path=/; SameSite=Lax", "other=1; Path=/"]);
    expect(jar.header()).toBe("_csrf_token=abc.1.sig; other=1");
    jar.store("_csrf_token=def.2.sig; Expires=Wed, 01 Jan 2200 00:00:00 GMT; HttpOnly; Path=/");
    expect(jar.header()).toBe("_csrf_token=def.2.sig; other=1");
    jar.store("other=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/");
    expect(jar.header()).toBe("_csrf_token=def.2.sig");
    // Max-Age wins over an Expires in the past.
    jar.store("late=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60");
    expect(jar.size).toBe(2);
    expect(inspect(jar, { showHidden: true })).not.toContain("def.2.sig");
    jar.clear();
    expect(jar.header()).toBeUndefined();
  });
});
