import { z } from "zod";

export const PLUGIN_NAME = "keyword-retriever";

const noteSchema = z
  .object({
    source: z.string().min(1),
    text: z.string().min(1),
    tags: z.array(z.string()).default([]),
  })
  .strict();

/** Options of this plugin: its entry's `options` in kforge.config.ts. */
export const keywordRetrieverOptionsSchema = z
  .object({
    /** The notes searched. */
    notes: z.array(noteSchema).default([
      {
        source: "notes/split-k.md",
        text: "Split-K divides the K dimension among thread blocks so skinny shapes fill every SM; partial sums are reduced in a workspace.",
        tags: ["split-k", "skinny"],
      },
      {
        source: "notes/cp-async.md",
        text: "cp.async copies global memory to shared memory without staging through registers; several stages overlap loads with mma.",
        tags: ["pipelining"],
      },
    ]),
    /** Passages sharing fewer query words than this are left out. */
    minimumMatches: z.number().int().min(1).default(1),
  })
  .strict();

export type KeywordRetrieverOptions = z.output<typeof keywordRetrieverOptionsSchema>;
