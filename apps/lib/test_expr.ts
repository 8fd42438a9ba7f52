/**
 * test_expr.ts — the `test` and `[` utility (XCU test): evaluates a condition on files,
 * strings and integers and answers 0 (true), 1 (false) or 2 (an error, with a message).
 *
 * Rules: the operand-count rules of POSIX first (0 args false; 1 arg true if non-empty;
 * 2 args `! x` or a unary operator; 3 args a binary operator, `! a b`, or `( x )`), then
 * the XSI grammar with `!`, `-a` (binds tighter than `-o`) and parentheses. File tests
 * stat the path (lstat for -h/-L); a file that cannot be stat'd is simply false. Integers
 * are decimal with an optional sign; anything else is an error ("integer expected").
 */
import {
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type Stat,
  type Sys,
  type Wait,
} from "../../kernel/syscall/api.ts";

class TestError extends Error {}

const UNARY_FILE = new Set(["-e", "-f", "-d", "-r", "-w", "-x", "-s", "-h", "-L", "-p", "-c"]);
const BINARY = new Set(["=", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge"]);

function int(s: string): number {
  if (!/^\s*[+-]?[0-9]+\s*$/.test(s)) throw new TestError(`${s}: integer expected`);
  return Number(s);
}

function* statOf(sys: Sys, path: string, follow: boolean): Wait<Stat | null> {
  try {
    return follow ? yield* sys.stat(path) : yield* sys.lstat(path);
  } catch {
    return null;
  }
}

function* unary(sys: Sys, op: string, a: string): Wait<boolean> {
  if (op === "-n") return a !== "";
  if (op === "-z") return a === "";
  const st = yield* statOf(sys, a, op !== "-h" && op !== "-L");
  if (!st) return false;
  const t = st.mode & S_IFMT;
  switch (op) {
    case "-e":
      return true;
    case "-f":
      return t === S_IFREG;
    case "-d":
      return t === S_IFDIR;
    case "-h":
    case "-L":
      return t === S_IFLNK;
    case "-p":
      return t === S_IFIFO;
    case "-c":
      return t === S_IFCHR;
    case "-s":
      return st.size > 0;
    case "-r":
      return (st.mode & 0o444) !== 0;
    case "-w":
      return (st.mode & 0o222) !== 0;
    case "-x":
      return (st.mode & 0o111) !== 0;
  }
  throw new TestError(`${op}: unknown operator`);
}

function binary(a: string, op: string, b: string): boolean {
  switch (op) {
    case "=":
      return a === b;
    case "!=":
      return a !== b;
    case "-eq":
      return int(a) === int(b);
    case "-ne":
      return int(a) !== int(b);
    case "-lt":
      return int(a) < int(b);
    case "-le":
      return int(a) <= int(b);
    case "-gt":
      return int(a) > int(b);
    case "-ge":
      return int(a) >= int(b);
  }
  throw new TestError(`${op}: unknown operator`);
}

function isUnary(op: string): boolean {
  return UNARY_FILE.has(op) || op === "-n" || op === "-z";
}

/** The XSI grammar: or := and (-o and)*; and := not (-a not)*; not := ! not | primary. */
function* evalExpr(sys: Sys, args: string[]): Wait<boolean> {
  let i = 0;
  const peek = () => args[i];
  function* primary(): Wait<boolean> {
    const a = args[i];
    if (a === undefined) throw new TestError("argument expected");
    if (a === "(") {
      i++;
      const v = yield* or();
      if (args[i] !== ")") throw new TestError("closing paren expected");
      i++;
      return v;
    }
    if (BINARY.has(args[i + 1] ?? "") && args[i + 2] !== undefined) {
      i += 3;
      return binary(a, args[i - 2], args[i - 1]);
    }
    if (isUnary(a) && args[i + 1] !== undefined) {
      i += 2;
      return yield* unary(sys, a, args[i - 1]);
    }
    i++;
    return a !== "";
  }
  function* not(): Wait<boolean> {
    if (peek() === "!") {
      i++;
      return !(yield* not());
    }
    return yield* primary();
  }
  function* and(): Wait<boolean> {
    let v = yield* not();
    while (peek() === "-a") {
      i++;
      const r = yield* not();
      v = v && r;
    }
    return v;
  }
  function* or(): Wait<boolean> {
    let v = yield* and();
    while (peek() === "-o") {
      i++;
      const r = yield* and();
      v = v || r;
    }
    return v;
  }
  const v = yield* or();
  if (i < args.length) throw new TestError(`${args[i]}: unexpected operator`);
  return v;
}

/** Evaluates `args` (without the command name or `]`); returns the status and any error. */
export function* testExpr(sys: Sys, args: string[]): Wait<{ status: number; error?: string }> {
  try {
    let v: boolean;
    const n = args.length;
    if (n === 0) v = false;
    else if (n === 1) v = args[0] !== "";
    else if (n === 2 && args[0] === "!") v = args[1] === "";
    else if (n === 2 && isUnary(args[0])) v = yield* unary(sys, args[0], args[1]);
    else if (n === 3 && BINARY.has(args[1])) v = binary(args[0], args[1], args[2]);
    else v = yield* evalExpr(sys, args);
    return { status: v ? 0 : 1 };
  } catch (e) {
    if (e instanceof TestError) return { status: 2, error: e.message };
    throw e;
  }
}
