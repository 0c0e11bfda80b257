/** A flag a command accepts. */
export interface FlagSpecification {
  type: "boolean" | "string";
  short?: string;
  description: string;
  /** Placeholder shown in help for string flags. */
  value?: string;
}

export interface CommandSpecification {
  summary: string;
  usage: string;
  flags: Record<string, FlagSpecification>;
  /** Name of the one positional argument the command takes, if any. */
  positional?: string;
}

/** Flags every command accepts. */
export const GLOBAL_FLAGS: Record<string, FlagSpecification> = {
  json: { type: "boolean", description: "print machine-readable JSON instead of the terminal UI" },
  help: { type: "boolean", short: "h", description: "show help" },
};

/** The commands, in the order help lists them. */
export const COMMANDS = {
  doctor: {
    summary: "check this machine: Node, nvcc, GPUs, cuBLAS, Redis, Hugging Face token",
    usage: "kforge doctor [--json]",
    flags: {},
  },
  plugins: {
    summary: "list the plugins the config loads, where from, their versions and what they provide",
    usage: "kforge plugins [--config file] [--json]",
    flags: {
      config: {
        type: "string",
        value: "file",
        description: "config file (default: kforge.config.{ts,mts,js,mjs,json} here)",
      },
    },
  },
  bench: {
    summary: "check and time one kernel file against cuBLAS/cuBLASLt on this machine's GPU",
    usage: "kforge bench <kernel.cu> --shape MxNxK [--layout nn|linear] [--mode hot|cold|both] [--json]",
    flags: {
      shape: { type: "string", value: "MxNxK", description: "problem size, e.g. 4096x4096x4096" },
      layout: { type: "string", value: "nn|linear", description: "layout of B (default nn)" },
      mode: { type: "string", value: "hot|cold|both", description: "timing modes (default both)" },
      entry: {
        type: "string",
        value: "name",
        description: "kernel entry (default: from the launch line, or the only one)",
      },
      launch: {
        type: "string",
        value: "file",
        description: "launch JSON (default: the file's // kforge:launch line)",
      },
      config: {
        type: "string",
        value: "file",
        description: "config file (default: kforge.config.{ts,mts,js,mjs,json} here)",
      },
    },
    positional: "kernel.cu",
  },
  init: {
    summary: "write a commented kforge.config.ts holding the embedded defaults",
    usage: "kforge init [--force] [--output file]",
    flags: {
      force: { type: "boolean", description: "overwrite an existing file" },
      output: { type: "string", value: "file", description: "where to write (default: kforge.config.ts)" },
    },
  },
  help: { summary: "show help for kforge or for one command", usage: "kforge help [command]", flags: {} },
} satisfies Record<string, CommandSpecification>;

export type CommandName = keyof typeof COMMANDS;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}
