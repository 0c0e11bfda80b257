import type { DoctorCheck } from "./doctor-check.js";

const MINIMUM = [20, 19] as const;

export const nodeCheck: DoctorCheck = {
  id: "node",
  label: "Node.js",
  async run() {
    const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
    const supported = major > MINIMUM[0] || (major === MINIMUM[0] && minor >= MINIMUM[1]);
    return {
      id: "node",
      label: "Node.js",
      status: supported ? "ok" : "error",
      summary: `${process.version} at ${process.execPath}`,
      ...(supported ? {} : { hint: `KernelForge needs Node.js ${MINIMUM.join(".")} or newer.` }),
      details: { version: process.versions.node, path: process.execPath },
    };
  },
};
