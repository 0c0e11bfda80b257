import { parseArgs } from "node:util";
import {
  COMMANDS,
  type CommandName,
  type FlagSpecification,
  GLOBAL_FLAGS,
  isCommandName,
} from "./command-table.js";
import { UsageError } from "./usage-error.js";

export type ParsedArguments =
  | { kind: "version" }
  | { kind: "help"; topic?: CommandName }
  | {
      kind: "command";
      command: CommandName;
      flags: Record<string, string | boolean | undefined>;
      positionals: string[];
    };

/**
 * Parses argv (without node and the script). Unknown commands, unknown flags, missing flag values and
 * stray arguments throw a UsageError that says what was wrong.
 */
export function parseArguments(argv: readonly string[]): ParsedArguments {
  if (argv.includes("--version") || argv.includes("-v")) return { kind: "version" };
  // Global flags are all booleans, so the command is the first argument that is not a flag.
  const commandIndex = argv.findIndex((argument) => !argument.startsWith("-"));
  const first = commandIndex < 0 ? undefined : argv[commandIndex];
  const rest = argv.filter((_, index) => index !== commandIndex);
  if (first === undefined) {
    const unknown = argv.find((argument) => !["--help", "-h", "--json"].includes(argument));
    if (unknown) throw new UsageError(`Unknown option ${JSON.stringify(unknown)} without a command`);
    return { kind: "help" };
  }
  if (!isCommandName(first)) {
    const known = Object.keys(COMMANDS);
    const close = known.find((name) => editDistance(name, first) <= 2);
    throw new UsageError(
      `Unknown command ${JSON.stringify(first)}${close ? ` (did you mean "${close}"?)` : ""}`,
      `Commands: ${known.join(", ")}. Run \`kforge --help\` for details.`,
    );
  }
  const specification = COMMANDS[first];
  const flags: Record<string, FlagSpecification> = { ...GLOBAL_FLAGS, ...specification.flags };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: Object.fromEntries(
        Object.entries(flags).map(([name, flag]) => [
          name,
          { type: flag.type, ...(flag.short ? { short: flag.short } : {}) },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message =
      error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, "") : String(error);
    throw new UsageError(message, `Usage: ${specification.usage}`);
  }
  if (parsed.values.help) return { kind: "help", topic: first };
  if (first === "help") {
    const topic = parsed.positionals[0];
    if (topic === undefined) return { kind: "help" };
    if (!isCommandName(topic)) throw new UsageError(`No help for unknown command ${JSON.stringify(topic)}`);
    return { kind: "help", topic };
  }
  const allowed =
    "positional" in specification
      ? "variadic" in specification && specification.variadic
        ? Number.POSITIVE_INFINITY
        : 1
      : 0;
  if (parsed.positionals.length > allowed) {
    throw new UsageError(
      `Unexpected argument ${JSON.stringify(parsed.positionals[allowed])} for "${first}"`,
      `Usage: ${specification.usage}`,
    );
  }
  if (allowed && parsed.positionals.length === 0) {
    throw new UsageError(
      `"${first}" needs a ${(specification as { positional: string }).positional} argument`,
      `Usage: ${specification.usage}`,
    );
  }
  return {
    kind: "command",
    command: first,
    flags: parsed.values as Record<string, string | boolean | undefined>,
    positionals: parsed.positionals,
  };
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j] as number;
      row[j] = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        previous + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      previous = saved;
    }
  }
  return row[b.length] as number;
}
