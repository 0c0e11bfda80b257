#!/usr/bin/env node
// Checks that every publishable workspace package would publish cleanly: `npm pack --dry-run` succeeds and
// ships its entry points, and publint reports no errors or warnings. Run after `npm run build`.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { publint } from "publint";
import { formatMessage } from "publint/utils";

const root = path.resolve(import.meta.dirname, "..");
const workspaces = JSON.parse(execFileSync("npm", ["query", ".workspace"], { cwd: root, encoding: "utf8" }));
let failures = 0;
for (const workspace of workspaces) {
  const directory = workspace.path ?? path.join(root, workspace.location);
  const manifest = JSON.parse(readFileSync(path.join(directory, "package.json"), "utf8"));
  const label = `${manifest.name}@${manifest.version}`;
  const problems = [];
  if (!manifest.private) {
    for (const field of ["exports", "files", "license", "engines", "description"]) {
      if (!manifest[field]) problems.push(`package.json has no "${field}"`);
    }
    const readme = manifest.files?.includes("README.md");
    if (!readme) problems.push('"files" does not include README.md');
  }
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: directory,
      encoding: "utf8",
    }),
  )[0];
  const shipped = new Set(packed.files.map((file) => file.path));
  if (!shipped.has("README.md")) problems.push("the tarball has no README.md");
  for (const entry of [manifest.types, manifest.main, ...Object.values(manifest.bin ?? {})].filter(Boolean)) {
    const normalized = path.normalize(entry);
    if (!shipped.has(normalized)) problems.push(`the tarball lacks ${normalized} (build first?)`);
  }
  const { messages, pkg } = await publint({
    pkgDir: directory,
    level: "suggestion",
    strict: true,
    pack: "npm",
  });
  for (const message of messages) {
    if (message.type === "suggestion") continue;
    problems.push(`publint ${message.type}: ${formatMessage(message, pkg)}`);
  }
  if (problems.length) {
    failures++;
    console.log(`✖ ${label} (${directory})`);
    for (const problem of problems) console.log(`    ${problem}`);
  } else {
    console.log(`✔ ${label}: ${packed.entryCount} files, ${(packed.size / 1024).toFixed(1)} KiB packed`);
  }
}
if (failures) {
  console.log(`${failures} package(s) would not publish cleanly`);
  process.exit(1);
}
