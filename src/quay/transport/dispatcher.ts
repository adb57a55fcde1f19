import { Agent, type Dispatcher, ProxyAgent } from "undici";
import { type ProxyEnv, proxyFor } from "./proxy";
import { tlsSettings } from "./tls";

export interface Timeouts {
  /** TCP + TLS (+ proxy CONNECT) establishment. Default 10 s. */
  readonly connectMs: number;
  /** From sending the request to the end of the response headers. Default 60 s. */
  readonly headersMs: number;
  /** Longest pause between two body chunks. Default 60 s. */
  readonly bodyMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = Object.freeze({
  connectMs: 10_000,
  headersMs: 60_000,
  bodyMs: 60_000,
});

export interface TransportOptions {
  readonly url: URL;
  readonly connections: number;
  readonly timeouts: Timeouts;
  readonly caFile?: string | undefined;
  readonly insecureSkipTlsVerify?: boolean | undefined;
  readonly env: ProxyEnv;
}

export interface Transport {
  readonly dispatcher: Dispatcher;
  /** The proxy in use (redacted by the caller before display), if any. */
  readonly proxy: URL | undefined;
}

/**
 * One keep-alive dispatcher per client. Connections are capped at the client's concurrency, so
 * the limiter, not undici's queue, decides what waits. The proxy is chosen once: the client only
 * ever talks to one origin.
 */
export function createTransport(opts: TransportOptions): Transport {
  const tls = tlsSettings(opts);
  const tlsOptions = {
    ...(tls.ca ? { ca: [...tls.ca] } : {}),
    rejectUnauthorized: tls.rejectUnauthorized,
  };
  const common = {
    connections: opts.connections,
    headersTimeout: opts.timeouts.headersMs,
    bodyTimeout: opts.timeouts.bodyMs,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
  };
  const proxy = proxyFor(opts.url, opts.env);
  if (proxy) {
    const dispatcher = new ProxyAgent({
      ...common,
      uri: proxy.href,
      // TLS to Quay through the CONNECT tunnel, and TLS to an https:// proxy: the same trust.
      requestTls: { ...tlsOptions, timeout: opts.timeouts.connectMs },
      proxyTls: { ...tlsOptions, timeout: opts.timeouts.connectMs },
    });
    return { dispatcher, proxy };
  }
  const dispatcher = new Agent({ ...common, connect: { ...tlsOptions, timeout: opts.timeouts.connectMs } });
  return { dispatcher, proxy: undefined };
}
