import { describe, expect, it } from "vitest";
import { noProxyMatches, proxyFor, redactProxy } from "../../../src/quay/transport/proxy";

const u = (s: string) => new URL(s);

describe("noProxyMatches", () => {
  it("matches hosts, suffixes and subdomains", () => {
    expect(noProxyMatches(u("https://quay.lab"), "quay.lab")).toBe(true);
    expect(noProxyMatches(u("https://reg.quay.lab"), "quay.lab")).toBe(true);
    expect(noProxyMatches(u("https://reg.quay.lab"), ".quay.lab")).toBe(true);
    expect(noProxyMatches(u("https://reg.quay.lab"), "*.quay.lab")).toBe(true);
    expect(noProxyMatches(u("https://notquay.lab"), "quay.lab")).toBe(false);
    expect(noProxyMatches(u("https://QUAY.LAB"), "Quay.Lab")).toBe(true);
  });
  it("honours ports, with the scheme's default", () => {
    expect(noProxyMatches(u("https://quay.lab:8443"), "quay.lab:8443")).toBe(true);
    expect(noProxyMatches(u("https://quay.lab"), "quay.lab:8443")).toBe(false);
    expect(noProxyMatches(u("https://quay.lab"), "quay.lab:443")).toBe(true);
  });
  it("matches IPs and CIDR blocks", () => {
    expect(noProxyMatches(u("http://127.0.0.1:9000"), "localhost,127.0.0.1")).toBe(true);
    expect(noProxyMatches(u("http://10.1.2.3"), "10.0.0.0/8")).toBe(true);
    expect(noProxyMatches(u("http://11.1.2.3"), "10.0.0.0/8")).toBe(false);
    expect(noProxyMatches(u("http://[::1]:8080"), "::1")).toBe(true);
    expect(noProxyMatches(u("http://[fd00::5]"), "fd00::/8")).toBe(true);
    expect(noProxyMatches(u("http://quay.lab"), "10.0.0.0/8")).toBe(false);
  });
  it("'*' exempts everything; empty lists exempt nothing", () => {
    expect(noProxyMatches(u("https://anything"), "*")).toBe(true);
    expect(noProxyMatches(u("https://anything"), " , ")).toBe(false);
    expect(noProxyMatches(u("https://anything"), undefined)).toBe(false);
  });
});

describe("proxyFor", () => {
  it("uses HTTPS_PROXY for https targets, falling back to HTTP_PROXY", () => {
    expect(proxyFor(u("https://q"), { HTTPS_PROXY: "http://p:3128" })?.href).toBe("http://p:3128/");
    expect(proxyFor(u("https://q"), { HTTP_PROXY: "http://h:1" })?.href).toBe("http://h:1/");
    expect(proxyFor(u("http://q"), { HTTPS_PROXY: "http://p:3128" })).toBeUndefined();
    expect(proxyFor(u("http://q"), { HTTP_PROXY: "http://h:1" })?.href).toBe("http://h:1/");
  });
  it("prefers lower-case variables and treats empty as unset", () => {
    expect(proxyFor(u("https://q"), { https_proxy: "http://low:1", HTTPS_PROXY: "http://up:1" })?.host).toBe(
      "low:1",
    );
    expect(proxyFor(u("https://q"), { HTTPS_PROXY: "" })).toBeUndefined();
  });
  it("honours NO_PROXY / no_proxy", () => {
    expect(proxyFor(u("https://q.lab"), { HTTPS_PROXY: "http://p:1", NO_PROXY: "q.lab" })).toBeUndefined();
    expect(proxyFor(u("https://q.lab"), { HTTPS_PROXY: "http://p:1", no_proxy: ".lab" })).toBeUndefined();
    expect(proxyFor(u("https://x.org"), { HTTPS_PROXY: "http://p:1", NO_PROXY: "q.lab" })).toBeDefined();
  });
  it("reads bare host:port, refuses other schemes, and redacts credentials for display", () => {
    expect(proxyFor(u("https://q"), { HTTPS_PROXY: "p:3128" })?.href).toBe("http://p:3128/");
    expect(() => proxyFor(u("https://q"), { HTTPS_PROXY: "socks5://p:1080" })).toThrow(/not supported/);
    const p = proxyFor(u("https://q"), { HTTPS_PROXY: "http://user:s3cret@p:3128" });
    expect(p && redactProxy(p)).toBe("http://p:3128");
  });
});
