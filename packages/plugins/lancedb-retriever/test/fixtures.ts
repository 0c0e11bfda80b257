import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const GUIDE_MD = [
  "# ldmatrix", // 1
  "", // 2
  "ldmatrix loads 8x8 matrices of 16-bit elements from shared memory into registers.", // 3
  "", // 4
  "## Pitfalls", // 5
  "", // 6
  "Row addresses must be 16-byte aligned; eight rows in one bank group cause an eight-way bank conflict.", // 7
  "", // 8
  "## Trans variant", // 9
  "", // 10
  "The .trans form transposes each 8x8 matrix while loading, for a B operand stored K x N.", // 11
].join("\n");

export const NOTES_TXT = [
  "Split-K divides the reduction dimension among thread blocks.", // 1
  "It helps skinny shapes with small M and N and a large K.", // 2
  "", // 3
  "Stream-K balances the work of the last wave over all SMs.", // 4
].join("\n");

export const PAGE_HTML = [
  "<html><head><title>TMA</title><style>p { margin: 0 }</style></head>", // 1
  "<body>", // 2
  "<h1>Tensor Memory Accelerator</h1>", // 3
  "<p>The TMA unit copies tiles between global and shared memory.</p>", // 4
  "<h2>Descriptors</h2>", // 5
  "<p>cuTensorMapEncodeTiled builds the tensor map descriptor on the host.</p>", // 6
  "<script>var swizzle = 'not text';</script>", // 7
  "</body></html>", // 8
].join("\n");

export const PIPELINE_CUH = [
  "#pragma once", // 1
  "", // 2
  "/**", // 3
  " * \\brief Waits until all but the newest N committed stages of the asynchronous copy pipeline", // 4
  " * have completed, so that the oldest stage can be consumed from shared memory.", // 5
  " */", // 6
  "template <unsigned N>", // 7
  "__device__ void pipeline_wait_prior();", // 8
  "", // 9
  "/**", // 10
  " * \\brief Commits the asynchronous copies issued so far as one stage of the pipeline,", // 11
  " * to be waited on later by pipeline_wait_prior.", // 12
  " */", // 13
  "__device__ void pipeline_commit();", // 14
].join("\n");

/** Writes the fixture tree under a new temporary directory and returns that directory. */
export function writeFixtureTree(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "kforge-docs-test-"));
  const docs = path.join(root, "docs");
  mkdirSync(path.join(docs, "include"), { recursive: true });
  mkdirSync(path.join(docs, ".hidden"), { recursive: true });
  writeFileSync(path.join(docs, "guide.md"), GUIDE_MD);
  writeFileSync(path.join(docs, "notes.txt"), NOTES_TXT);
  writeFileSync(path.join(docs, "page.html"), PAGE_HTML);
  writeFileSync(path.join(docs, "include", "pipeline.cuh"), PIPELINE_CUH);
  // A binary file with a text extension: reported, not ingested.
  writeFileSync(path.join(docs, "blob.txt"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
  // Not read by a walk: unknown extension, hidden directory.
  writeFileSync(path.join(docs, "image.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00]));
  writeFileSync(path.join(docs, ".hidden", "secret.md"), "# Secret\nhidden text\n");
  return root;
}
