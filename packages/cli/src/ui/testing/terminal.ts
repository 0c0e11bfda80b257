/** Keys as a terminal sends them, and waits that let Ink render, for tests written with ink-testing-library. */

export const KEY = {
  up: "\u001b[A",
  down: "\u001b[B",
  right: "\u001b[C",
  left: "\u001b[D",
  enter: "\r",
  escape: "\u001b",
  end: "\u001b[F",
  pageDown: "\u001b[6~",
  ctrlC: "\u0003",
  ctrlU: "\u0015",
  backspace: "\u007f",
} as const;

export const settle = (milliseconds = 40) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * Waits until a frame beyond `count` was written (at most `limit` ms), then until no frame came for 60 ms: the
 * screen has settled (data loaded, trailing renders done). A key that changes nothing costs `limit`.
 */
export async function nextFrame(frames: readonly string[], count: number, limit = 1000): Promise<void> {
  const deadline = Date.now() + limit;
  while (frames.length <= count && Date.now() < deadline) await settle(5);
  let seen: number;
  do {
    seen = frames.length;
    await settle(60);
  } while (frames.length !== seen && Date.now() < deadline + limit);
}

/** Writes each key to the app's stdin and waits for the frame it causes. */
export async function pressKeys(
  screen: { stdin: { write: (data: string) => void }; frames: readonly string[] },
  ...keys: string[]
): Promise<void> {
  for (const key of keys) {
    const before = screen.frames.length;
    screen.stdin.write(key);
    await nextFrame(screen.frames, before);
  }
}
