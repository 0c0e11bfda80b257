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
  /** Name of the positional argument the command takes, if any. */
  positional?: string;
  /** The command takes one or more positional arguments (at least one). */
  variadic?: boolean;
}

/** Flags every command accepts. */
export const GLOBAL_FLAGS: Record<string, FlagSpecification> = {
  json: { type: "boolean", description: "print machine-readable JSON instead of the terminal UI" },
  help: { type: "boolean", short: "h", description: "show help" },
};

/** The commands, in the order help lists them. */
export const COMMANDS = {
  doctor: {
    summary:
      "check this machine: Node, nvcc, GPUs, cuBLAS, Redis and its live queue workers, Hugging Face token",
    usage: "kforge doctor [--redis url] [--config file] [--json]",
    flags: {
      redis: {
        type: "string",
        value: "url",
        description:
          "Redis of the evaluation queue (default: the config's queue-evaluator `redis`, KFORGE_REDIS_URL, REDIS_URL)",
      },
      config: {
        type: "string",
        value: "file",
        description: "config file naming the queue (default: kforge.config.{ts,mts,js,mjs,json} here)",
      },
    },
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
    usage:
      "kforge bench <kernel.cu> --shape MxNxK [--layout nn|linear] [--mode hot|cold|both] [--estimate] [--json]",
    flags: {
      estimate: {
        type: "boolean",
        description: "without a GPU, accept a cost-model estimate (compiled and screened, never run)",
      },
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
  run: {
    summary:
      "search for kernels: rounds of generate → evaluate → reward → policy update, archived as it goes",
    usage:
      "kforge run [--config file] [--shapes list|file.json] [--rounds n] [--group-size n] [--run-id id] [--json|--plain]\n       kforge run --resume <run-id> [--config file] [--json|--plain]",
    flags: {
      config: {
        type: "string",
        value: "file",
        description:
          "config file (default: kforge.config.{ts,mts,js,mjs,json} here, else the embedded defaults)",
      },
      resume: {
        type: "string",
        value: "run-id",
        description: "continue an archived run that was stopped or killed",
      },
      shapes: {
        type: "string",
        value: "list|file",
        description: "shapes instead of the config's: MxNxK[:nn|:linear],... or a shapes .json file",
      },
      rounds: { type: "string", value: "n", description: "rounds instead of the config's" },
      "group-size": {
        type: "string",
        value: "n",
        description: "candidates per task per round instead of the config's",
      },
      "run-id": {
        type: "string",
        value: "id",
        description: "name of the new run (default: run-<time>-<random>)",
      },
      plain: {
        type: "boolean",
        description:
          "human-readable log lines instead of the dashboard (default without a terminal: JSON lines)",
      },
    },
  },
  worker: {
    summary:
      "take evaluation jobs from a Redis queue and evaluate them on this host's GPUs, until interrupted (queue mode)",
    usage: "kforge worker [--redis url] [--config file] [--evaluator name] [--slots n] [--name id] [--json]",
    flags: {
      redis: {
        type: "string",
        value: "url",
        description:
          "redis://[[user]:password@]host[:port][/db] or rediss:// (default: the config's queue-evaluator `redis`, KFORGE_REDIS_URL, REDIS_URL)",
      },
      config: {
        type: "string",
        value: "file",
        description:
          "config file: the evaluator and its options, the queue-evaluator's queue settings (default: kforge.config.* here, else the embedded defaults)",
      },
      evaluator: {
        type: "string",
        value: "name",
        description: "evaluator the jobs run on (default: the only one loaded besides the queue evaluator)",
      },
      slots: {
        type: "string",
        value: "n",
        description: "jobs evaluated at once (default: the concurrency the evaluator describes)",
      },
      name: {
        type: "string",
        value: "id",
        description: "worker name, unique among workers (default: <host>-<pid>)",
      },
    },
  },
  runs: {
    summary: "list the archived runs, newest first",
    usage: "kforge runs [--config file] [--json]",
    flags: {
      config: { type: "string", value: "file", description: "config file (names the archive)" },
    },
  },
  report: {
    summary: "write a run's report: Markdown tables and SVG charts (speedups, learning curve, size)",
    usage: "kforge report <run-id> [--out dir] [--config file] [--json]",
    flags: {
      out: {
        type: "string",
        value: "dir",
        description: "folder to write (default: kforge-reports/<run-id>)",
      },
      config: { type: "string", value: "file", description: "config file (names the archive)" },
    },
    positional: "run-id",
  },
  export: {
    summary:
      "export a run's best kernel per shape as a CUDA library (sources, dispatch table, header, example)",
    usage: "kforge export <run-id> [--out dir] [--name library] [--config file] [--json]",
    flags: {
      out: { type: "string", value: "dir", description: "folder to write (default: kforge-export/<run-id>)" },
      name: {
        type: "string",
        value: "library",
        description: "library and header name (default: kforge_hgemm)",
      },
      config: { type: "string", value: "file", description: "config file (names the archive)" },
    },
    positional: "run-id",
  },
  docs: {
    summary: "the documentation index: ingest files into it, or search it (as generators do)",
    usage:
      'kforge docs ingest <path...> [--rebuild] [--config file] [--json]\n       kforge docs search "<query>" [--limit n] [--mode hybrid|fts|vector] [--source prefix] [--config file] [--json]\n       kforge docs stats [--config file] [--json]',
    flags: {
      limit: { type: "string", value: "n", description: "passages to show (default 5)" },
      mode: {
        type: "string",
        value: "hybrid|fts|vector",
        description: "search mode (default: the plugin's, hybrid)",
      },
      source: { type: "string", value: "prefix", description: "only passages whose source starts with this" },
      rebuild: {
        type: "boolean",
        description: "drop the index and ingest from scratch (e.g. after changing the embedder)",
      },
      config: {
        type: "string",
        value: "file",
        description: "config file (names the index: the retriever plugin's options)",
      },
    },
    positional: "ingest|search|stats",
    variadic: true,
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
