import { parseArgs } from "node:util";
import { UsageError } from "../errors";

/** One option of a command, in the shape of node:util parseArgs. */
export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
}

export interface CommandArgs<V> {
  values: V;
  positionals: string[];
}

/**
 * The one parser of every command's arguments: the command's options plus `--help`/`-h`, strictly
 * (an unknown option, a missing value or an unexpected positional argument is a UsageError that
 * carries the command's help). Answers undefined after printing the help for `--help`.
 */
export function parseCommandArgs<V extends object>(
  args: readonly string[],
  spec: { options: Record<string, OptionSpec>; help: string; positionals?: boolean },
): CommandArgs<V> | undefined {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...spec.options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: spec.positionals === true,
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${helpText(spec.help)}`);
  }
  if (parsed.values.help === true) {
    process.stdout.write(helpText(spec.help));
    return undefined;
  }
  return { values: parsed.values as V, positionals: parsed.positionals };
}

const helpText = (help: string): string => (help.endsWith("\n") ? help : `${help}\n`);
