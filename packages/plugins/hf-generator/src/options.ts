import { PROVIDERS_OR_POLICIES } from "@huggingface/inference";
import { z } from "zod";

/** The plugin's name: the key of its options in the container (`pluginOptionsToken`). */
export const PLUGIN_NAME = "@kernelforge/plugin-hf-generator";
/** The generator's name, as `search.generator` selects it and provenance records it. */
export const GENERATOR_NAME = "hf";

const positiveNumber = (what: string) =>
  z.number({ error: `${what} must be a number` }).positive({ error: `${what} must be greater than 0` });

const integer = (what: string, min: number, max: number) => {
  const error = `${what} must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

export const hfGeneratorOptionsSchema = z
  .object({
    /** Model id on the Hugging Face Hub (e.g. `Qwen/Qwen2.5-Coder-32B-Instruct`), or the served name at `endpointUrl`. */
    model: z.string().trim().min(1, { error: "model must be a non-empty model id" }).optional(),
    /** Inference provider (`auto` lets Hugging Face pick); not allowed together with `endpointUrl`. */
    provider: z
      .enum(PROVIDERS_OR_POLICIES, { error: `provider must be one of ${PROVIDERS_OR_POLICIES.join(", ")}` })
      .optional(),
    /** Base URL of any OpenAI-compatible server (TGI, vLLM, llama.cpp), e.g. `http://localhost:8000`. */
    endpointUrl: z
      .url({
        protocol: /^https?$/,
        error: "endpointUrl must be an http(s) URL such as http://localhost:8000",
      })
      .optional(),
    /** Hugging Face token or provider key; defaults to the HF_TOKEN environment variable. Never logged. */
    accessToken: z.string().min(1, { error: "accessToken must not be empty" }).optional(),
    temperature: z
      .number()
      .min(0, { error: "temperature must be between 0 and 2" })
      .max(2, { error: "temperature must be between 0 and 2" })
      .default(0.7),
    topP: z
      .number()
      .gt(0, { error: "topP must be in (0, 1]" })
      .max(1, { error: "topP must be in (0, 1]" })
      .default(0.95),
    maxTokens: integer("maxTokens", 1, 1_000_000).default(4096),
    /** Chat requests in flight at once. */
    concurrency: integer("concurrency", 1, 64).default(4),
    /** Longest wait on the server, per request: for the reply to begin, and between two streamed chunks. */
    timeoutSeconds: positiveNumber("timeoutSeconds").default(120),
    /** Retries after HTTP 429 or 5xx (or a dropped connection), with exponential backoff and Retry-After. */
    retries: integer("retries", 0, 10).default(3),
    /** Stream replies (each delta goes to `onText`). */
    stream: z.boolean().default(true),
    /** A directory with replacement prompt templates (system.md, task.md, context.md, passages.md, format.md). */
    templates: z.string().min(1, { error: "templates must be a directory path" }).optional(),
  })
  .strict()
  .superRefine((options, context) => {
    if (!options.model && !options.endpointUrl) {
      context.addIssue({
        code: "custom",
        path: ["model"],
        message:
          "model is required (a Hub model id such as Qwen/Qwen2.5-Coder-32B-Instruct) unless endpointUrl is set",
      });
    }
    if (options.endpointUrl && options.provider) {
      context.addIssue({
        code: "custom",
        path: ["provider"],
        message: "provider cannot be combined with endpointUrl: an endpoint is called directly",
      });
    }
  });

export type HfGeneratorOptionsInput = z.input<typeof hfGeneratorOptionsSchema>;
export type HfGeneratorOptions = z.output<typeof hfGeneratorOptionsSchema>;
