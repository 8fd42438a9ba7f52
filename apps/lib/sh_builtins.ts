/**
 * sh_builtins.ts — the shell's builtins (XCU 2.14 and the utilities a shell must run in
 * itself): `:`, true, false, echo, pwd, cd, exit, export, unset, set, shift, test, `[`,
 * wait and read.
 *
 * Rules: a builtin runs in the shell's own process with the command's redirections
 * already applied and returns its status; misuse prints a message and gives 2 (1 for a
 * failing cd or export). `exit` throws `ShExit`, which ends the shell (apps/sh.ts). `set`
 * knows -e/+e and `--`; with no arguments it lists the variables. `read` takes one line
 * from fd 0 a byte at a time (so nothing past the line is consumed), splits it on IFS and
 * is 1 at end of input. `wait` with no operand collects every background job; with pids,
 * each (127 for one that is not a job of this shell), giving the last one's status.
 */
import type { Wait } from "../../kernel/syscall/api.ts";
import type { Shell } from "../sh.ts";
import { errText } from "./fsutil.ts";
import { eprint, print } from "./stdio.ts";
import { testExpr } from "./test_expr.ts";

/** Thrown by `exit` (and by `set -e`) to end the shell. */
export class ShExit {
  constructor(readonly status: number) {}
}

const dec = new TextDecoder();

/** A builtin: runs with the shell and its argv, returns a status. */
export type Builtin = (sh: Shell, argv: string[]) => Wait<number>;

function* usage(sh: Shell, msg: string): Wait<number> {
  yield* eprint(sh.sys, `${msg}\n`);
  return 2;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const BUILTINS: Record<string, Builtin> = {
  *":"() {
    return 0;
  },
  *true() {
    return 0;
  },
  *false() {
    return 1;
  },
  *echo(sh, argv) {
    const noNewline = argv[1] === "-n";
    const words = argv.slice(noNewline ? 2 : 1);
    yield* print(sh.sys, words.join(" ") + (noNewline ? "" : "\n"));
    return 0;
  },
  *pwd(sh) {
    yield* print(sh.sys, (yield* sh.sys.getcwd()) + "\n");
    return 0;
  },
  *cd(sh, argv) {
    const dir = argv[1] ?? sh.vars.get("HOME") ?? "/";
    try {
      yield* sh.sys.chdir(dir);
    } catch (e) {
      yield* eprint(sh.sys, `cd: ${dir}: ${errText(e)}\n`);
      return 1;
    }
    sh.vars.set("PWD", yield* sh.sys.getcwd());
    return 0;
  },
  *exit(sh, argv) {
    if (argv[1] !== undefined && !/^[0-9]+$/.test(argv[1])) {
      yield* eprint(sh.sys, `exit: Illegal number: ${argv[1]}\n`);
      throw new ShExit(2);
    }
    throw new ShExit(argv[1] !== undefined ? Number(argv[1]) & 0xff : sh.status);
  },
  *export(sh, argv) {
    if (argv.length === 1 || argv[1] === "-p") {
      let out = "";
      for (const k of [...sh.exported].sort()) {
        const v = sh.vars.get(k);
        if (v !== undefined) out += `export ${k}='${v.replaceAll("'", "'\\''")}'\n`;
      }
      yield* print(sh.sys, out);
      return 0;
    }
    let st = 0;
    for (const a of argv.slice(1)) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a : a.slice(0, eq);
      if (!NAME.test(name)) {
        yield* eprint(sh.sys, `export: ${name}: bad variable name\n`);
        st = 1;
        continue;
      }
      if (eq >= 0) sh.vars.set(name, a.slice(eq + 1));
      sh.exported.add(name);
    }
    return st;
  },
  *unset(sh, argv) {
    for (const a of argv.slice(1)) {
      if (a === "-v" || a === "-f") continue;
      sh.vars.delete(a);
      sh.exported.delete(a);
    }
    return 0;
  },
  *set(sh, argv) {
    let i = 1;
    for (; i < argv.length; i++) {
      const a = argv[i];
      if (a === "--") {
        i++;
        break;
      }
      if (a === "-e" || a === "+e") sh.errexit = a === "-e";
      else if (/^[-+]/.test(a) && a.length > 1) {
        return yield* usage(sh, `set: ${a}: unknown option`);
      } else break;
    }
    if (i < argv.length || argv[i - 1] === "--") sh.params = [sh.params[0], ...argv.slice(i)];
    if (argv.length === 1) {
      let out = "";
      for (const [k, v] of [...sh.vars].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        out += `${k}='${v.replaceAll("'", "'\\''")}'\n`;
      }
      yield* print(sh.sys, out);
    }
    return 0;
  },
  *shift(sh, argv) {
    const n = argv[1] === undefined ? 1 : Number(argv[1]);
    if (!Number.isInteger(n) || n < 0 || n > sh.params.length - 1) {
      return yield* usage(sh, `shift: can't shift that many`);
    }
    sh.params = [sh.params[0], ...sh.params.slice(1 + n)];
    return 0;
  },
  *test(sh, argv) {
    const r = yield* testExpr(sh.sys, argv.slice(1));
    if (r.error) yield* eprint(sh.sys, `test: ${r.error}\n`);
    return r.status;
  },
  *"["(sh, argv) {
    if (argv[argv.length - 1] !== "]") return yield* usage(sh, "[: missing ]");
    const r = yield* testExpr(sh.sys, argv.slice(1, -1));
    if (r.error) yield* eprint(sh.sys, `[: ${r.error}\n`);
    return r.status;
  },
  *wait(sh, argv) {
    const sys = sh.sys;
    if (argv.length === 1) {
      while (sh.jobs.length) yield* sys.waitpid(sh.jobs.shift()!);
      return 0;
    }
    let st = 0;
    for (const a of argv.slice(1)) {
      const pid = Number(a);
      const i = sh.jobs.indexOf(pid);
      if (!/^[0-9]+$/.test(a) || i < 0) {
        yield* eprint(sys, `wait: pid ${a} is not a child of this shell\n`);
        st = 127;
        continue;
      }
      sh.jobs.splice(i, 1);
      st = (yield* sys.waitpid(pid)).status;
    }
    return st;
  },
  *read(sh, argv) {
    const names = argv.slice(1).filter((a) => a !== "-r");
    if (names.length === 0) return yield* usage(sh, "read: a variable name is needed");
    const one = new Uint8Array(1);
    const bytes: number[] = [];
    let got = false;
    for (;;) {
      const n = yield* sh.sys.read(0, one);
      if (n === 0) break;
      got = true;
      if (one[0] === 10) break;
      bytes.push(one[0]);
    }
    const line = dec.decode(new Uint8Array(bytes));
    const ifs = sh.vars.get("IFS") ?? " \t\n";
    const fields = line.split(new RegExp(`[${ifs.replace(/[\]\\^-]/g, "\\$&")}]+`)).filter((
      s,
    ) => s !== "");
    names.forEach((name, i) => {
      const v = i === names.length - 1 ? fields.slice(i).join(" ") : fields[i] ?? "";
      sh.vars.set(name, v);
    });
    return got ? 0 : 1;
  },
};
