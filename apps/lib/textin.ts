/**
 * textin.ts — reading the inputs of a text filter (head, tail, grep, wc, sort, uniq): each
 * operand a file, "-" or no operand standard input, as text split into lines.
 *
 * Rules: only the syscall API. A file that cannot be opened is reported as
 * `prog: name: strerror` and skipped (the caller's status becomes 1); the others are
 * still read. Lines keep no newline; a last line without one is still a line, and
 * `lines` says whether the text ended with a newline.
 */
import { O_RDONLY, type Sys, type Wait } from "../../kernel/syscall/api.ts";
import { readAllFd, warnErr } from "./fsutil.ts";

/** One input read whole: its name ("-" for stdin) and bytes, or null if it failed. */
export function* readInput(sys: Sys, prog: string, name: string): Wait<Uint8Array | null> {
  try {
    if (name === "-") return yield* readAllFd(sys, 0);
    const fd = yield* sys.open(name, O_RDONLY);
    try {
      return yield* readAllFd(sys, fd);
    } finally {
      yield* sys.close(fd);
    }
  } catch (e) {
    yield* warnErr(sys, prog, name, e);
    return null;
  }
}

/** Splits text into lines without their newlines. */
export function lines(text: string): string[] {
  if (text === "") return [];
  const out = text.split("\n");
  if (out[out.length - 1] === "") out.pop();
  return out;
}

const dec = new TextDecoder();

/** Reads every operand (stdin when none) as text; `failed` when any could not be read. */
export function* readTexts(
  sys: Sys,
  prog: string,
  operands: string[],
): Wait<{ inputs: { name: string; text: string }[]; failed: boolean }> {
  const names = operands.length ? operands : ["-"];
  const inputs: { name: string; text: string }[] = [];
  let failed = false;
  for (const name of names) {
    const b = yield* readInput(sys, prog, name);
    if (b === null) failed = true;
    else inputs.push({ name, text: dec.decode(b) });
  }
  return { inputs, failed };
}
