import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Token counts as an OpenAI-compatible server reports them. */
export interface ChatServerUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** What the test server answers to one chat completion request. */
export type ChatServerReply =
  /** A non-streaming JSON completion. */
  | { kind: "json"; content: string; usage?: ChatServerUsage }
  /**
   * A server-sent-event stream: one chunk per delta, then a usage chunk (when given), then `data: [DONE]`.
   * `delayMs` waits before each delta; `hangAfter` stops sending (without closing) after that many deltas.
   */
  | { kind: "stream"; deltas: string[]; usage?: ChatServerUsage; delayMs?: number; hangAfter?: number }
  /** An error status with optional headers (e.g. Retry-After) and body (an object is sent as JSON). */
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: unknown }
  /** Never answers (the connection stays open until the client gives up or the server closes). */
  | { kind: "hang" };

/** A parsed request body (the chat completion request). */
export type ChatRequestBody = Record<string, unknown> & {
  model?: string;
  messages?: { role: string; content: string }[];
  stream?: boolean;
  seed?: number;
};

export type ChatServerHandler = (
  body: ChatRequestBody,
  requestIndex: number,
) => ChatServerReply | Promise<ChatServerReply>;

export interface ChatServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`: pass it as `endpointUrl`. */
  url: string;
  /** Parsed bodies of every request, in arrival order. */
  requests: ChatRequestBody[];
  /** Path and headers of every request, in arrival order. */
  received: { path: string; headers: IncomingHttpHeaders; at: number }[];
  /** Indexes of the requests whose connection the client closed before the reply was complete. */
  closedEarly: number[];
  /** Resolves the next time a client closes a connection early. */
  nextEarlyClose(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A local OpenAI-compatible chat completions server (`POST …/v1/chat/completions`) for tests: each request is
 * answered by `handler(body, index)`. No network beyond 127.0.0.1.
 */
export async function startChatServer(handler: ChatServerHandler): Promise<ChatServer> {
  const requests: ChatRequestBody[] = [];
  const received: ChatServer["received"] = [];
  const closedEarly: number[] = [];
  let earlyWaiters: ((index: number) => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const index = requests.length;
    let body: ChatRequestBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequestBody;
    } catch {
      body = {};
    }
    requests.push(body);
    received.push({ path: request.url ?? "", headers: request.headers, at: Date.now() });
    let finished = false;
    response.on("close", () => {
      if (finished) return;
      closedEarly.push(index);
      const waiters = earlyWaiters;
      earlyWaiters = [];
      for (const waiter of waiters) waiter(index);
    });
    const reply = await handler(body, index);
    const model = typeof body.model === "string" ? body.model : "test-model";
    const write = (res: ServerResponse, text: string) => !res.destroyed && res.write(text);
    switch (reply.kind) {
      case "hang":
        return;
      case "status": {
        const isObject = reply.body !== undefined && typeof reply.body === "object";
        response.writeHead(reply.status, {
          "Content-Type": isObject ? "application/json" : "text/plain; charset=utf-8",
          ...reply.headers,
        });
        finished = true;
        response.end(isObject ? JSON.stringify(reply.body) : String(reply.body ?? ""));
        return;
      }
      case "json": {
        response.writeHead(200, { "Content-Type": "application/json" });
        finished = true;
        response.end(
          JSON.stringify({
            id: `chatcmpl-${index}`,
            object: "chat.completion",
            created: Math.floor(Date.now() / 1000),
            model,
            choices: [
              { index: 0, message: { role: "assistant", content: reply.content }, finish_reason: "stop" },
            ],
            ...(reply.usage
              ? {
                  usage: {
                    ...reply.usage,
                    total_tokens: reply.usage.prompt_tokens + reply.usage.completion_tokens,
                  },
                }
              : {}),
          }),
        );
        return;
      }
      case "stream": {
        response.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
        response.flushHeaders();
        const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
          `data: ${JSON.stringify({
            id: `chatcmpl-${index}`,
            object: "chat.completion.chunk",
            created: Math.floor(Date.now() / 1000),
            model,
            choices,
            ...extra,
          })}\n\n`;
        for (const [position, delta] of reply.deltas.entries()) {
          if (reply.hangAfter !== undefined && position >= reply.hangAfter) return;
          if (reply.delayMs) await wait(reply.delayMs);
          if (response.destroyed) return;
          write(
            response,
            chunk([{ index: 0, delta: { role: "assistant", content: delta }, finish_reason: null }]),
          );
        }
        if (reply.hangAfter !== undefined && reply.deltas.length >= reply.hangAfter) return;
        write(response, chunk([{ index: 0, delta: {}, finish_reason: "stop" }]));
        if (reply.usage) {
          write(
            response,
            chunk([], {
              usage: {
                ...reply.usage,
                total_tokens: reply.usage.prompt_tokens + reply.usage.completion_tokens,
              },
            }),
          );
        }
        write(response, "data: [DONE]\n\n");
        finished = true;
        response.end();
        return;
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    received,
    closedEarly,
    nextEarlyClose: () => new Promise((resolve) => earlyWaiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
