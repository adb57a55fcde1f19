#!/usr/bin/env node
// Launcher. @pulumi/pulumi and undici need Node >= 22; the machines we target ship Node 20.
// When the running Node is older, re-run this command on the Node binary that npm installed
// from the `node` package (node_modules/node/bin/node) without touching the machine's Node.
const path = require("node:path");
const fs = require("node:fs");

const root = path.resolve(__dirname, "..");
const major = Number(process.versions.node.split(".")[0]);
if (major < 22 && !process.env.QUAY_GITOPS_REEXEC) {
  const candidates = [
    path.join(root, "node_modules", "node", "bin", "node"),
    path.join(root, "node_modules", ".bin", "node"),
  ];
  const node = candidates.find((p) => fs.existsSync(p));
  if (!node) {
    process.stderr.write(
      `quay-gitops needs Node >= 22 (running ${process.version}); run \`npm install\` in ${root} to get Node 24 from npm.\n`,
    );
    process.exit(2);
  }
  const { spawn } = require("node:child_process");
  const env = { ...process.env, QUAY_GITOPS_REEXEC: "1" };
  env.PATH = `${path.dirname(node)}${path.delimiter}${env.PATH ?? ""}`;
  // The command runs in a process group of its own, and every signal reaches it through this
  // launcher, exactly once: `kill <launcher>` must not leave the command running without it, and a
  // Ctrl-C or a kill of the whole group must not reach it twice (a second SIGINT or SIGTERM cuts a
  // graceful stop short: the emulator's state file, the engine's cancellation).
  const child = spawn(node, [__filename, ...process.argv.slice(2)], {
    stdio: "inherit",
    env,
    detached: true,
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"]) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on("error", (e) => {
    process.stderr.write(`quay-gitops: could not start ${node}: ${e.message}\n`);
    process.exit(2);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
} else {
  const entry = path.join(root, "dist", "src", "cli", "main.js");
  if (!fs.existsSync(entry)) {
    process.stderr.write(
      `quay-gitops is not built (${entry} is missing); run \`npm install\` or \`npm run build\`.\n`,
    );
    process.exit(2);
  }
  require(entry)
    .main(process.argv.slice(2))
    .then((code) => {
      process.exitCode = code;
    });
}
