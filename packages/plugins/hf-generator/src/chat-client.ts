import {
  InferenceClient,
  InferenceClientInputError,
  InferenceClientProviderApiError,
  InferenceClientRoutingError,
  type InferenceProviderOrPolicy,
} from "@huggingface/inference";
import { KernelForgeError } from "@kernelforge/core";

/** Longest wait between two attempts, whatever Retry-After says. */
export const MAX_RETRY_WAIT_SECONDS = 60;
/** First backoff step; each retry doubles it (0.5 s, 1 s, 2 s, ...), unless Retry-After says otherwise. */
export const BACKOFF_BASE_SECONDS = 0.5;

export interface ChatSettings {
  model?: string;
  provider?: string;
  endpointUrl?: string;
  accessToken?: string;
  temperature: number;
  topP: number;
  maxTokens: number;
  timeoutSeconds: number;
  retries: number;
  stream: boolean;
}

export type ChatMessage = {
  role: "system" | "user";
  content: string;
};

export interface ChatUsage {
  inputTokens: number;
  outputTokens: number;
}

export type ChatOutcome =
  | { ok: true; text: string; usage?: ChatUsage; requests: number }
  | { ok: false; code: "timeout" | "http_error"; reason: string; text: string; requests: number };

type ChatArguments = Parameters<InferenceClient["chatCompletion"]>[0];

class TimeoutSignal extends Error {
  constructor() {
    super("timed out");
    this.name = "TimeoutError";
  }
}

/** Parses a Retry-After header: delay-seconds or an HTTP date. Seconds, or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - now) / 1000);
}

/** The wait before retry number `attempt` (0-based): Retry-After when given, else exponential backoff; capped. */
export function retryDelaySeconds(attempt: number, retryAfter: number | undefined): number {
  const wait = retryAfter ?? BACKOFF_BASE_SECONDS * 2 ** attempt;
  return Math.min(MAX_RETRY_WAIT_SECONDS, Math.max(0, wait));
}

function sleep(seconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, seconds * 1000);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * One chat completion at a time through `@huggingface/inference`, with the retry, timeout and cancellation policy
 * owned here: the client's own 503 retry is disabled and every HTTP attempt goes through a counting `fetch` that
 * sees the status and Retry-After. The access token is passed to the client only and scrubbed from every message.
 */
export class ChatClient {
  readonly #client: InferenceClient;
  readonly #settings: ChatSettings;

  constructor(settings: ChatSettings) {
    this.#settings = settings;
    this.#client = new InferenceClient(settings.accessToken ?? "");
  }

  /** Removes the token from any text before it leaves this class. */
  redact(text: string): string {
    const token = this.#settings.accessToken;
    return token ? text.split(token).join("[redacted]") : text;
  }

  /**
   * Sends one chat request (with retries). Resolves with the text and usage, or with a `timeout`/`http_error`
   * outcome; rejects with the signal's reason when `signal` aborts, and with a KernelForgeError for errors no
   * retry can fix (bad credentials, invalid client configuration).
   */
  async complete(
    messages: ChatMessage[],
    seed: number,
    signal: AbortSignal | undefined,
    onText: (text: string) => void,
  ): Promise<ChatOutcome> {
    const settings = this.#settings;
    let requests = 0;
    let text = "";
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const attemptController = new AbortController();
      const combined = signal
        ? AbortSignal.any([signal, attemptController.signal])
        : attemptController.signal;
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(
          () => attemptController.abort(new TimeoutSignal()),
          settings.timeoutSeconds * 1000,
        );
      };
      let retryAfter: string | null = null;
      let status: number | undefined;
      const countingFetch: typeof fetch = async (input, init) => {
        requests += 1;
        const response = await fetch(input, { ...init, signal: combined });
        status = response.status;
        retryAfter = response.headers.get("retry-after");
        return response;
      };
      const args = this.#arguments(messages, seed);
      const options = { fetch: countingFetch, signal: combined, retry_on_error: false };
      let delivered = false;
      arm();
      try {
        if (settings.stream) {
          let usage: ChatUsage | undefined;
          text = "";
          const stream = this.#client.chatCompletionStream(
            { ...args, stream_options: { include_usage: true } },
            options,
          );
          for await (const chunk of stream) {
            arm();
            const delta = chunk.choices?.[0]?.delta?.content;
            if (typeof delta === "string" && delta.length > 0) {
              text += delta;
              delivered = true;
              onText(delta);
            }
            if (chunk.usage) usage = readUsage(chunk.usage);
          }
          return { ok: true, text, ...(usage ? { usage } : {}), requests };
        }
        const reply = await this.#client.chatCompletion(args, options);
        text = reply.choices?.[0]?.message?.content ?? "";
        if (text) onText(text);
        const usage = reply.usage ? readUsage(reply.usage) : undefined;
        return { ok: true, text, ...(usage ? { usage } : {}), requests };
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (attemptController.signal.aborted) {
          return {
            ok: false,
            code: "timeout",
            reason: `no ${delivered ? "further output" : "reply"} from the model within ${settings.timeoutSeconds} s`,
            text,
            requests,
          };
        }
        if (error instanceof InferenceClientInputError || error instanceof InferenceClientRoutingError) {
          throw new KernelForgeError("generator_config", this.redact(`hf generator: ${error.message}`), {
            hint: "Check model, provider, endpointUrl and the access token (HF_TOKEN).",
          });
        }
        const httpStatus =
          error instanceof InferenceClientProviderApiError ? error.httpResponse.status : status;
        const failedStatus = httpStatus !== undefined && httpStatus >= 400 ? httpStatus : undefined;
        if (failedStatus === 401 || failedStatus === 403) {
          throw new KernelForgeError(
            "generator_unauthorized",
            `hf generator: the server refused the credentials (HTTP ${failedStatus})`,
            {
              hint: "Set HF_TOKEN (or the accessToken option) to a token allowed to call Inference Providers.",
            },
          );
        }
        const transport = failedStatus === undefined && !(error instanceof InferenceClientProviderApiError);
        const retryable =
          !delivered &&
          (failedStatus === 429 || (failedStatus !== undefined && failedStatus >= 500) || transport);
        const reason = this.redact(describeFailure(error, failedStatus));
        if (retryable && attempt < settings.retries) {
          const wait = retryDelaySeconds(
            attempt,
            failedStatus !== undefined ? parseRetryAfter(retryAfter) : undefined,
          );
          await sleep(wait, signal);
          continue;
        }
        return {
          ok: false,
          code: "http_error",
          reason: retryable && settings.retries > 0 ? `${reason} (after ${attempt + 1} attempts)` : reason,
          text,
          requests,
        };
      } finally {
        clearTimeout(timer);
      }
    }
  }

  #arguments(messages: ChatMessage[], seed: number): ChatArguments {
    const settings = this.#settings;
    return {
      ...(settings.model ? { model: settings.model } : {}),
      ...(settings.endpointUrl
        ? { endpointUrl: settings.endpointUrl }
        : { provider: (settings.provider ?? "auto") as InferenceProviderOrPolicy }),
      messages,
      temperature: settings.temperature,
      top_p: settings.topP,
      max_tokens: settings.maxTokens,
      seed,
    };
  }
}

function readUsage(usage: { prompt_tokens?: number; completion_tokens?: number }): ChatUsage {
  return {
    inputTokens: Number.isFinite(usage.prompt_tokens) ? Number(usage.prompt_tokens) : 0,
    outputTokens: Number.isFinite(usage.completion_tokens) ? Number(usage.completion_tokens) : 0,
  };
}

function describeFailure(error: unknown, status: number | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause =
    error instanceof Error && error.cause instanceof Error
      ? `: ${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message}`
      : "";
  const text = `${message}${cause}`.replace(/\s+/g, " ").slice(0, 500);
  return status !== undefined ? `HTTP ${status}: ${text}` : `request failed: ${text}`;
}
