import { KernelForgeError } from "@kernelforge/core";
import { render, renderToString } from "ink";
import type { ReactElement } from "react";
import type { CliContext } from "../cli-context.js";
import { ErrorScreen } from "../ui/error-screen.js";

/** `json`: --json. `plain`: stdout is not a terminal. `interactive`: the Ink UI. */
export type OutputMode = "json" | "plain" | "interactive";

export function chooseOutputMode(json: boolean | undefined, context: CliContext): OutputMode {
  if (json) return "json";
  return context.stdout.isTTY ? "interactive" : "plain";
}

export function writeJson(context: CliContext, value: unknown): void {
  context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Shows a finished screen: rendered once by Ink on a terminal, or as plain text otherwise. */
export async function present(
  element: ReactElement,
  context: CliContext,
  mode: Exclude<OutputMode, "json">,
): Promise<void> {
  if (mode === "plain") {
    context.stdout.write(`${renderToString(element, { columns: context.stdout.columns ?? 100 })}\n`);
    return;
  }
  const instance = startLive(element, context);
  instance.unmount();
  await instance.waitUntilExit();
}

/** Starts a screen that the caller re-renders as work progresses, then unmounts. */
export function startLive(element: ReactElement, context: CliContext) {
  return render(element, {
    stdout: context.stdout as NodeJS.WriteStream,
    stderr: context.stderr as NodeJS.WriteStream,
    ...(context.stdin ? { stdin: context.stdin } : {}),
    patchConsole: false,
    exitOnCtrlC: true,
  });
}

/** Reports an error in the output mode in use: JSON on stdout for --json, a red line and a hint otherwise. */
export function reportError(error: unknown, context: CliContext, mode: OutputMode): void {
  const known = error instanceof KernelForgeError;
  const message = error instanceof Error ? error.message : String(error);
  const hint = known ? error.hint : "This is a fault in kforge; please report it with the command you ran.";
  if (mode === "json") {
    // One line, so that it also reads as the last line of a JSON-lines stream (`kforge run --json`).
    context.stdout.write(
      `${JSON.stringify({ error: { code: known ? error.code : "internal", message, ...(hint ? { hint } : {}) } })}\n`,
    );
    return;
  }
  const columns = (context.stderr as { columns?: number }).columns ?? 100;
  context.stderr.write(`${renderToString(<ErrorScreen message={message} hint={hint} />, { columns })}\n`);
  if (!known && error instanceof Error && error.stack && context.env.KFORGE_DEBUG)
    context.stderr.write(`${error.stack}\n`);
}
