import * as http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The HTTP key-value server the engine-proof fixture's dynamic provider talks to, with a switchable delay on writes: a slow provider keeps an update running
 * (and its stack locked) long enough to start a second run or to kill the first one mid-create.
 */
export interface KvServer {
  url: string;
  items: Map<string, string>;
  writes: () => number;
  /** Delay before answering PUT/DELETE, in ms (0: none). */
  setWriteDelay(ms: number): void;
  /** Resolves when the next write request arrives (the engine is then inside an update, holding the lock). */
  nextWrite(): Promise<void>;
  close: () => Promise<void>;
}

export async function startKvServer(): Promise<KvServer> {
  const items = new Map<string, string>();
  let writes = 0;
  let delay = 0;
  let waiters: (() => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const key = decodeURIComponent((req.url ?? "").replace(/^\/items\//, ""));
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      if (req.method === "GET") {
        const value = items.get(key);
        res.writeHead(value === undefined ? 404 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify(value === undefined ? { error: "not found" } : { value }));
        return;
      }
      const w = waiters;
      waiters = [];
      for (const f of w) f();
      const apply = () => {
        writes++;
        if (req.method === "PUT") items.set(key, (JSON.parse(body) as { value: string }).value);
        else if (req.method === "DELETE") items.delete(key);
        res.writeHead(204).end();
      };
      if (delay <= 0) return apply();
      const t = setTimeout(() => {
        timers.delete(t);
        apply();
      }, delay);
      timers.add(t);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    items,
    writes: () => writes,
    setWriteDelay(ms) {
      delay = ms;
    },
    nextWrite: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
