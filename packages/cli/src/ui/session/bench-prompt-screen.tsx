import { parseShape } from "@kernelforge/core";
import { Box, Text, useInput } from "ink";
import { useEffect, useRef, useState } from "react";
import { sanitizeText } from "../../dashboard/format.js";
import type { StyledLine } from "./inspector-lines.js";
import { ScrollView } from "./scroll-view.js";
import { TextInput } from "./text-input.js";

export type BenchKernel = (file: string, shape: string) => Promise<string>;

export interface BenchPromptScreenProps {
  bench?: BenchKernel;
  onBack: () => void;
  defaultShape?: string;
}

type Step =
  | { step: "file"; error?: string }
  | { step: "shape"; error?: string }
  | { step: "running" }
  | { step: "result"; text: string }
  | { step: "error"; message: string };

function Unavailable({ onBack }: { onBack: () => void }) {
  useInput((input, key) => {
    if (key.escape || key.return || input === "b" || input === "q") onBack();
  });
  return (
    <Box flexDirection="column">
      <Text bold>Bench a kernel file</Text>
      <Text color="yellow">
        Benchmarking is not available here: no evaluator could be loaded (see kforge doctor).
      </Text>
      <Text dimColor>esc back</Text>
    </Box>
  );
}

function Outcome({
  step,
  onBack,
  onAgain,
}: {
  step: Step & { step: "result" | "error" };
  onBack: () => void;
  onAgain: () => void;
}) {
  useInput((input, key) => {
    if (key.return) onAgain();
    else if (step.step === "error" && (key.escape || input === "b")) onBack();
  });
  if (step.step === "error")
    return (
      <Box flexDirection="column">
        <Text color="red">✖ {step.message}</Text>
        <Text dimColor>enter bench again · esc back</Text>
      </Box>
    );
  const lines: StyledLine[] = sanitizeText(step.text)
    .split("\n")
    .map((text) => ({ text }));
  return <ScrollView lines={lines} reserve={6} onBack={onBack} help="enter bench again · esc back" />;
}

/** Asks for a kernel file and a shape, benchmarks it against the baselines and shows the result. */
export function BenchPromptScreen({
  bench,
  onBack,
  defaultShape = "4096x4096x4096",
}: BenchPromptScreenProps) {
  const [file, setFile] = useState("");
  const [shape, setShape] = useState(defaultShape);
  const [step, setStep] = useState<Step>({ step: "file" });
  const live = useRef(true);
  useEffect(
    () => () => {
      live.current = false;
    },
    [],
  );
  if (!bench) return <Unavailable onBack={onBack} />;

  const run = (shapeText: string) => {
    try {
      parseShape(shapeText);
    } catch (error) {
      setStep({ step: "shape", error: error instanceof Error ? error.message : String(error) });
      return;
    }
    setStep({ step: "running" });
    bench(file.trim(), shapeText.trim()).then(
      (text) => {
        if (live.current) setStep({ step: "result", text });
      },
      (error: unknown) => {
        if (live.current)
          setStep({ step: "error", message: error instanceof Error ? error.message : String(error) });
      },
    );
  };

  return (
    <Box flexDirection="column">
      <Text bold>Bench a kernel file</Text>
      {step.step === "file" ? (
        <>
          <Text>Kernel file (.cu, device code with an extern "C" __global__ entry):</Text>
          <TextInput
            value={file}
            onChange={setFile}
            onSubmit={(value) => {
              if (value.trim()) setStep({ step: "shape" });
              else setStep({ step: "file", error: "enter the path of a kernel file" });
            }}
            onCancel={onBack}
            placeholder="path/to/kernel.cu"
          />
          {step.error ? <Text color="red">{step.error}</Text> : null}
          <Text dimColor>enter next · esc back</Text>
        </>
      ) : null}
      {step.step === "shape" ? (
        <>
          <Text dimColor>file: {file}</Text>
          <Text>Shape MxNxK:</Text>
          <TextInput
            value={shape}
            onChange={setShape}
            onSubmit={run}
            onCancel={() => setStep({ step: "file" })}
          />
          {step.error ? <Text color="red">{step.error}</Text> : null}
          <Text dimColor>enter bench · esc back to the file</Text>
        </>
      ) : null}
      {step.step === "running" ? (
        <Text color="cyan">
          benchmarking {file} at {shape}… (compiling, checking, timing against the baselines)
        </Text>
      ) : null}
      {step.step === "result" || step.step === "error" ? (
        <>
          <Text dimColor>
            {file} · {shape}
          </Text>
          <Outcome step={step} onBack={onBack} onAgain={() => setStep({ step: "file" })} />
        </>
      ) : null}
    </Box>
  );
}
