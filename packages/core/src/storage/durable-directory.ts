import type { Dirent } from "node:fs";
import { type FileHandle, open, readdir } from "node:fs/promises";
import path from "node:path";

/** Errors of fsync on a directory that mean "not supported here", not "failed". */
const UNSUPPORTED_DIRECTORY_SYNC = new Set(["EINVAL", "ENOTSUP", "EISDIR", "EPERM", "EBADF"]);

/**
 * Flushes what a store wrote under a local directory to stable storage. LanceDB (the run archive, the docs
 * index) publishes every file with a write and an atomic rename but never calls fsync, so a commit survives a
 * crash of the process (the data is in the kernel's page cache) but not necessarily a crash of the machine.
 * After each commit the store calls `syncNew`, which fsyncs every file that appeared since the last call, then
 * the directories that gained entries, so that a write that has resolved is on disk.
 */
export class DurableDirectory {
  /** Entries of every directory seen so far. */
  private readonly known = new Map<string, Set<string>>();

  constructor(readonly root: string) {}

  /** Records what exists under the root now, without syncing it (files from earlier sessions). */
  async snapshot(): Promise<void> {
    await this.walk(this.root, async () => {});
  }

  /** Fsyncs every file and directory under `directory` (default: the root) that is new since the last walk. */
  async syncNew(directory: string = this.root): Promise<void> {
    const changed = new Set<string>();
    await this.walk(directory, async (entry, parent) => {
      changed.add(parent);
      if (!entry.isDirectory()) await syncPath(path.join(parent, entry.name), false);
    });
    for (const parent of changed) await syncPath(parent, true);
  }

  /** Visits `directory` recursively; `onNew` is called for each entry not seen in an earlier walk. */
  private async walk(
    directory: string,
    onNew: (entry: Dirent, parent: string) => Promise<void>,
  ): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    const previous = this.known.get(directory);
    this.known.set(directory, new Set(entries.map((entry) => entry.name)));
    for (const entry of entries) {
      // Everything in a directory not seen before is new (a snapshot passes a callback that does nothing).
      if (previous === undefined || !previous.has(entry.name)) await onNew(entry, directory);
      if (entry.isDirectory()) await this.walk(path.join(directory, entry.name), onNew);
    }
  }
}

/** Fsyncs one file or directory; a file already gone, or a directory that cannot be synced here, is fine. */
export async function syncPath(target: string, isDirectory: boolean): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(target, "r");
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    // A file removed between listing and syncing (a compaction's cleanup) needs no flush.
    if (code === "ENOENT") return;
    if (isDirectory && UNSUPPORTED_DIRECTORY_SYNC.has(code)) return;
    throw error;
  } finally {
    await handle?.close();
  }
}
