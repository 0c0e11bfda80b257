import type { LoadedPlugin } from "@kernelforge/core";
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { DoctorScreen } from "./doctor-screen.js";
import { HelpScreen } from "./help-screen.js";
import { PluginsScreen } from "./plugins-screen.js";

const labels = [
  { id: "node", label: "Node.js" },
  { id: "gpu", label: "NVIDIA GPU" },
];

describe("DoctorScreen", () => {
  it("shows pending checks, then each status with its summary and hint", () => {
    const screen = render(<DoctorScreen labels={labels} results={{}} />);
    expect(screen.lastFrame()).toContain("kforge doctor (0/2)");
    expect(screen.lastFrame()).toMatch(/… checking\s+Node\.js/);
    screen.rerender(
      <DoctorScreen
        labels={labels}
        results={{
          node: { id: "node", label: "Node.js", status: "ok", summary: "v20.20.2" },
          gpu: {
            id: "gpu",
            label: "NVIDIA GPU",
            status: "missing",
            summary: "none visible",
            hint: "use estimate mode",
          },
        }}
      />,
    );
    const frame = screen.lastFrame() ?? "";
    expect(frame).not.toContain("(0/2)");
    expect(frame).toMatch(/✔ ok\s+Node\.js\s+v20\.20\.2/);
    expect(frame).toMatch(/○ missing\s+NVIDIA GPU\s+none visible/);
    expect(frame).toContain("↳ use estimate mode");
  });
});

describe("PluginsScreen", () => {
  it("lists each plugin with version, contracts and origin", () => {
    const plugin: LoadedPlugin = {
      name: "keyword-retriever",
      apiVersion: "v1",
      specifier: "kforge-plugin-keyword-retriever",
      kind: "package",
      entryFile: "/x/node_modules/kforge-plugin-keyword-retriever/dist/index.js",
      packageVersion: "0.1.0",
      provides: ["retriever"],
      options: {},
      description: "Keyword retriever",
    };
    const frame =
      render(<PluginsScreen configSource="/x/kforge.config.ts" plugins={[plugin]} />).lastFrame() ?? "";
    expect(frame).toContain("Config: /x/kforge.config.ts");
    expect(frame).toContain("keyword-retriever 0.1.0 (API v1)");
    expect(frame).toContain("provides: retriever");
    expect(frame).toContain("from: kforge-plugin-keyword-retriever (package)");
  });

  it("says when no plugin is configured", () => {
    const frame = render(<PluginsScreen configSource="embedded defaults" plugins={[]} />).lastFrame() ?? "";
    expect(frame).toContain("No plugins configured");
  });
});

describe("HelpScreen", () => {
  it("lists every command and the global flags", () => {
    const frame = render(<HelpScreen version="9.9.9" />).lastFrame() ?? "";
    expect(frame).toContain("kforge 9.9.9");
    for (const command of ["doctor", "plugins", "init", "help"])
      expect(frame).toMatch(new RegExp(`^\\s+${command}\\s+\\S`, "m"));
    expect(frame).toContain("--json");
    expect(frame).toContain("-v, --version");
  });

  it("shows one command's usage and flags", () => {
    const frame = render(<HelpScreen version="9.9.9" topic="init" />).lastFrame() ?? "";
    expect(frame).toContain("kforge init [--force] [--output file]");
    expect(frame).toContain("--force");
    expect(frame).toContain("--output <file>");
  });
});
