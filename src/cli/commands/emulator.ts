import { ConfigError, UsageError } from "../../errors";
import type { Command } from "../command";
import { parseCommandArgs } from "../options";

const USAGE = `usage: quay-gitops emulator [--host 127.0.0.1] [--port 8787|0] [--state FILE] [--config FILE] [--cost quay]

Runs the Quay-compatible emulator (docs/emulator.md) until SIGINT/SIGTERM. When ready it prints one
JSON line: {"url":"http://HOST:PORT","token":"...","user":"admin","password":"..."}: the admin's
token, and its password for a session sign-in (QUAY_USERNAME/QUAY_PASSWORD).

  --host HOST     address to listen on (default 127.0.0.1)
  --port PORT     port to listen on, 0 for a free one (default 8787)
  --state FILE    load the state from FILE at start (if it exists) and write it back on exit
  --config FILE   Quay config.yaml keys (YAML or JSON): FEATURE_* flags, SUPER_USERS, ...; an
                  AUTHENTICATION_TYPE of LDAP, OIDC or Keystone with EMULATOR_DIRECTORY_GROUPS
                  plays a registry whose users and teams come from a directory (team sync)
  --cost quay     make every request take as long as on a real Quay 3.18.0 on 2 cores (2 workers;
                  a token request holds one for 256 ms, a session request 19 ms); it is the fault
                  configuration the emulator starts with (POST /_emulator/faults replaces it)

Environment: QUAY_EMULATOR_TOKEN sets the value of the admin token, QUAY_EMULATOR_PASSWORD the admin's
password (default: derived from the token, so a restart on the same --state keeps both).`;

export const command: Command = {
  name: "emulator",
  summary: "run the Quay-compatible emulator (a local Quay API for trials and tests)",
  async run(args: string[]): Promise<number> {
    const parsed = parseCommandArgs<{
      host?: string;
      port?: string;
      state?: string;
      config?: string;
      cost?: string;
    }>(args, {
      options: {
        host: { type: "string" },
        port: { type: "string" },
        state: { type: "string" },
        config: { type: "string" },
        cost: { type: "string" },
      },
      help: USAGE,
    });
    if (!parsed) return 0;
    const { values } = parsed;
    const port = values.port === undefined ? 8787 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`--port must be an integer between 0 and 65535\n${USAGE}`);
    }
    // Loaded on demand: other commands never pay for the emulator.
    const { startEmulator } = await import("../../../emulator/index.js");
    let emulator: Awaited<ReturnType<typeof startEmulator>>;
    try {
      emulator = await startEmulator({
        host: values.host ?? "127.0.0.1",
        port,
        stateFile: values.state,
        config: values.config,
        cost: values.cost,
      });
    } catch (e) {
      // A bad --config or --state file (EmulatorError QG_EMU_*) or a port in use: a config problem.
      const code = (e as { code?: unknown }).code;
      if (
        typeof code === "string" &&
        (code.startsWith("QG_EMU_") || code === "EADDRINUSE" || code === "EACCES")
      ) {
        throw new ConfigError(`cannot start the emulator: ${(e as Error).message}`, { cause: e });
      }
      throw e;
    }
    process.stdout.write(
      `${JSON.stringify({ url: emulator.url, token: emulator.token, user: emulator.user, password: emulator.password })}\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await emulator.close();
    return 0;
  },
};
