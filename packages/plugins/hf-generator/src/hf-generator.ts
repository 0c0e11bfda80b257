import {
  API_VERSION,
  ConcurrencyLimit,
  createCandidate,
  type GenerationCallOptions,
  type GenerationFailure,
  type GenerationRequest,
  type GenerationResult,
  type KernelCandidate,
  KernelForgeError,
  type KernelGenerator,
  pluginOptionsToken,
} from "@kernelforge/core";
import { inject, injectable } from "inversify";
import { ChatClient, type ChatUsage } from "./chat-client.js";
import { GENERATOR_NAME, type HfGeneratorOptions, PLUGIN_NAME } from "./options.js";
import { parseReply } from "./parse-reply.js";
import { buildPrompt, loadTemplates, type PromptTemplates } from "./prompt.js";

/** Token and request accounting of one `generate` call. */
export interface HfGenerationUsage {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  /** False when at least one reply carried no token counts (they are then counted as 0, never estimated). */
  usageReported: boolean;
}

type SampleOutcome =
  | { kind: "candidate"; candidate: KernelCandidate }
  | { kind: "failure"; failure: GenerationFailure };

/**
 * Asks a chat model (Hugging Face Inference Providers, or any OpenAI-compatible endpoint) for `count` kernels per
 * request: one chat request per sample, at most `concurrency` in flight, each with seed `request.seed + index`.
 * Replies are parsed into candidates; a reply without a usable kernel, a timeout or an HTTP error after the
 * retries is a GenerationFailure. The access token never appears in prompts, provenance or messages.
 */
@injectable()
export class HfGenerator implements KernelGenerator {
  readonly apiVersion = API_VERSION;
  readonly name = GENERATOR_NAME;
  readonly #options: HfGeneratorOptions;
  readonly #templates: PromptTemplates;
  readonly #client: ChatClient;

  constructor(@inject(pluginOptionsToken<HfGeneratorOptions>(PLUGIN_NAME)) options: HfGeneratorOptions) {
    this.#options = options;
    this.#templates = loadTemplates(options.templates);
    const accessToken = options.accessToken ?? process.env.HF_TOKEN ?? undefined;
    this.#client = new ChatClient({
      ...(options.model ? { model: options.model } : {}),
      ...(options.endpointUrl
        ? { endpointUrl: options.endpointUrl }
        : { provider: options.provider ?? "auto" }),
      ...(accessToken ? { accessToken } : {}),
      temperature: options.temperature,
      topP: options.topP,
      maxTokens: options.maxTokens,
      timeoutSeconds: options.timeoutSeconds,
      retries: options.retries,
      stream: options.stream,
    });
  }

  async generate(request: GenerationRequest, options: GenerationCallOptions = {}): Promise<GenerationResult> {
    const { signal } = options;
    signal?.throwIfAborted();
    const { task } = request;
    const prompt = buildPrompt(this.#templates, request);
    const messages = [
      { role: "system" as const, content: prompt.system },
      { role: "user" as const, content: prompt.user },
    ];
    const usage: HfGenerationUsage = { requests: 0, inputTokens: 0, outputTokens: 0, usageReported: true };
    const parentIds = [...new Set((request.context ?? []).map((example) => example.candidate.id))];
    // A fatal error in one sample (bad credentials) stops the others too.
    const stop = new AbortController();
    const combined = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    const limit = new ConcurrencyLimit(this.#options.concurrency);

    const sample = async (index: number): Promise<SampleOutcome> => {
      const release = await limit.acquire();
      try {
        combined.throwIfAborted();
        const seed = request.seed + index;
        const outcome = await this.#client.complete(messages, seed, combined, (text) =>
          options.onText?.(index, text),
        );
        usage.requests += outcome.requests;
        if (!outcome.ok) {
          return {
            kind: "failure",
            failure: {
              code: outcome.code,
              reason: `sample ${index}: ${outcome.reason}`,
              ...(outcome.text ? { output: this.#client.redact(outcome.text) } : {}),
            },
          };
        }
        this.#count(usage, outcome.usage);
        const reply = this.#client.redact(outcome.text);
        const parsed = parseReply(reply, { M: task.m, N: task.n, K: task.k });
        if (!parsed.ok) {
          return {
            kind: "failure",
            failure: { code: parsed.code, reason: `sample ${index}: ${parsed.reason}`, output: reply },
          };
        }
        const candidate = createCandidate({
          task,
          source: parsed.source,
          entry: parsed.entry,
          launch: parsed.launch,
          provenance: {
            generator: this.name,
            parentIds,
            configuration: {
              ...this.#describeModel(),
              temperature: this.#options.temperature,
              topP: this.#options.topP,
              maxTokens: this.#options.maxTokens,
              sample: index,
              seed,
              round: request.round,
              usageReported: outcome.usage !== undefined,
              ...(outcome.usage
                ? { inputTokens: outcome.usage.inputTokens, outputTokens: outcome.usage.outputTokens }
                : {}),
            },
            prompt: prompt.text,
            ...(parsed.commentary ? { commentary: parsed.commentary } : {}),
            createdAt: new Date().toISOString(),
          },
        });
        return { kind: "candidate", candidate };
      } catch (error) {
        if (!signal?.aborted && error instanceof KernelForgeError) stop.abort(error);
        throw error;
      } finally {
        release();
      }
    };

    const settled = await Promise.allSettled(
      Array.from({ length: request.count }, (_, index) => sample(index)),
    );
    if (signal?.aborted) throw signal.reason;
    if (stop.signal.aborted) throw stop.signal.reason;
    const rejected = settled.find((entry) => entry.status === "rejected");
    if (rejected) throw (rejected as PromiseRejectedResult).reason;
    const candidates: KernelCandidate[] = [];
    const failures: GenerationFailure[] = [];
    for (const entry of settled) {
      const outcome = (entry as PromiseFulfilledResult<SampleOutcome>).value;
      if (outcome.kind === "candidate") candidates.push(outcome.candidate);
      else failures.push(outcome.failure);
    }
    return { candidates, failures, usage };
  }

  #count(usage: HfGenerationUsage, reported: ChatUsage | undefined): void {
    if (!reported) {
      usage.usageReported = false;
      return;
    }
    usage.inputTokens += reported.inputTokens;
    usage.outputTokens += reported.outputTokens;
  }

  /** Model, provider and endpoint (origin and path only: no credentials in the URL). */
  #describeModel(): Record<string, string> {
    const options = this.#options;
    const described: Record<string, string> = {};
    if (options.model) described.model = options.model;
    if (options.endpointUrl) {
      const url = new URL(options.endpointUrl);
      described.endpoint = `${url.origin}${url.pathname === "/" ? "" : url.pathname}`;
      described.provider = "endpoint";
    } else {
      described.provider = options.provider ?? "auto";
    }
    return described;
  }
}
