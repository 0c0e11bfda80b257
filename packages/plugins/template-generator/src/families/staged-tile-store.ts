/**
 * CUDA for the last step of a staged epilogue, shared by the families that stage C in shared memory: the tile
 * (`rows` × `columns` halves, rows `stride` halves apart) is copied to C as 16-byte vectors, `threads` threads
 * from `thread` on, skipping the rows and 8-column groups that fall outside C (N % 8 == 0). The arguments are
 * C expressions of the kernel that includes the code; `unroll` is its `#pragma unroll` line.
 */
export interface StagedTileStore {
  tile: string;
  rows: string;
  columns: string;
  stride: string;
  rowOrigin: string;
  columnOrigin: string;
  thread: string;
  threads: string;
  unroll: string;
  indent: string;
}

export function renderStagedTileStore(store: StagedTileStore): string {
  const lines = [
    `constexpr int PER_ROW = ${store.columns} / 8;`,
    store.unroll,
    `for (int index = ${store.thread}; index < ${store.rows} * PER_ROW; index += ${store.threads}) {`,
    "  const int r = index / PER_ROW;",
    "  const int c = (index % PER_ROW) * 8;",
    `  const int row = ${store.rowOrigin} + r;`,
    `  const int col = ${store.columnOrigin} + c;`,
    "  if (row < M && col < N) {",
    "    *reinterpret_cast<uint4*>(C + static_cast<size_t>(row) * N + col) =",
    `        *reinterpret_cast<const uint4*>(${store.tile} + r * ${store.stride} + c);`,
    "  }",
    "}",
  ];
  return lines.map((line) => (line.startsWith("#") ? line : store.indent + line)).join("\n");
}
