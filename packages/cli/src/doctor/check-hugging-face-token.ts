import type { DoctorCheck } from "./doctor-check.js";

/** Reports whether a token is set, never the token itself. */
export const huggingFaceTokenCheck: DoctorCheck = {
  id: "hf-token",
  label: "Hugging Face token",
  async run(env) {
    const variable = ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"].find((name) => (env[name] ?? "").trim() !== "");
    if (!variable) {
      return {
        id: "hf-token",
        label: "Hugging Face token",
        status: "missing",
        summary: "HF_TOKEN is not set",
        hint: "Needed for LLM kernel generation through Hugging Face Inference Providers; a local inference endpoint does not need it.",
      };
    }
    return {
      id: "hf-token",
      label: "Hugging Face token",
      status: "ok",
      summary: `set in ${variable}`,
      details: { variable },
    };
  },
};
