/**
 * sh.ts — the shell: `sh -c 'commands' [name [args]]`, `sh [-e] script [args]`, or
 * commands read from fd 0 until end of input (`sh`, `sh -s [args]`): a `$ ` prompt on
 * stderr when fd 0 is the console and no argument is given, or with -i; none from a pipe
 * or a file, nor with -s.
 *
 * Rules: the grammar is apps/lib/sh_parse.ts, expansion apps/lib/sh_expand.ts, the
 * builtins apps/lib/sh_builtins.ts. A command is a builtin, else an app linked into the
 * image, started as a child process with `posix_spawn` (it inherits the shell's
 * descriptors, so redirections reach it; the shell's own spare descriptors are
 * close-on-exec), else an executable file (a path with '/', or found in $PATH, default
 * /bin) run as a script by a child shell. Each stage of a pipeline is its own process,
 * joined by pipe(2): an app directly, anything else (a builtin, a compound command) a
 * child `sh -c` given the stage's text, every variable and the positional parameters.
 * `( list )` runs in this shell with its variables, options and directory restored
 * after. `&` starts a list the same way, with stdin /dev/null, and does not wait; `$!` is
 * its pid and `wait` collects it. `$(...)` runs in a child shell whose output, less
 * trailing newlines, is the value; `$((...))` is integer arithmetic. Redirections are
 * applied to the shell's own descriptors with dup2 and restored after the command; a
 * here-document is fed through a pipe (at most PIPE_SIZE bytes). Exit statuses as POSIX
 * gives them (XCU 2.8.2): 127 not found, 126 found but not runnable, 2 a syntax error,
 * a bad builtin use or a bad arithmetic expression, 1 a failed redirection, 128+N a child
 * ended by signal N; a pipeline's status is its last command's (`!` negates). With
 * `set -e` the shell exits at the first command that fails outside a condition
 * (if/while/until tests, the left of && and ||, a `!` pipeline). Reading from fd 0, a
 * command that continues on the next line (an open if, quote or here-document) is read
 * to its end (prompt `> `); at end of input the shell exits with the last status, or 2
 * if the input ended inside a command.
 */
import {
  type App,
  Errno,
  errno,
  F_DUPFD,
  F_GETFD,
  F_SETFD,
  FD_CLOEXEC,
  O_APPEND,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  PIPE_SIZE,
  S_IFCHR,
  S_IFMT,
  S_ISDIR,
  type Sys,
  type Wait,
} from "../kernel/syscall/api.ts";
import { errText, readFile } from "./lib/fsutil.ts";
import { ArithError } from "./lib/sh_arith.ts";
import { BUILTINS, ShExit } from "./lib/sh_builtins.ts";
import { type ExpandCtx, expandOne, expandWords, fnmatch, patternOf } from "./lib/sh_expand.ts";
import { type Cmd, parse, type Redir, ShSyntaxError, skipSubst } from "./lib/sh_parse.ts";
import { eprint, writeAll } from "./lib/stdio.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

type Saved = { fd: number; copy: number }[];

/** One shell: its variables, positional parameters, options and last status. */
export class Shell {
  status = 0;
  readonly vars = new Map<string, string>();
  readonly exported = new Set<string>();
  /** $0 and the positional parameters. */
  params: string[];
  errexit = false;
  /** Background children not yet waited for, and the last one ($!). */
  readonly jobs: number[] = [];
  lastBg = 0;
  /** >0 while running a condition, where `set -e` does not apply. */
  #cond = 0;

  constructor(readonly sys: Sys, env: Record<string, string>, params: string[]) {
    for (const [k, v] of Object.entries(env)) {
      this.vars.set(k, v);
      this.exported.add(k);
    }
    this.params = params;
  }

  /** Parses and runs `src`; a syntax error prints and gives status 2. */
  *run(src: string): Wait<number> {
    let prog: Cmd;
    try {
      prog = parse(src);
    } catch (e) {
      if (!(e instanceof ShSyntaxError)) throw e;
      yield* eprint(this.sys, `sh: syntax error: ${e.message}\n`);
      return (this.status = 2);
    }
    return yield* this.exec(prog);
  }

  // --- expansion ---

  lookup = (name: string): string => {
    if (name === "?") return String(this.status);
    if (name === "#") return String(this.params.length - 1);
    if (name === "$") return String(this.sys.getpid());
    if (name === "!") return this.lastBg ? String(this.lastBg) : "";
    if (name === "@" || name === "*") return this.params.slice(1).join(" ");
    if (/^[0-9]+$/.test(name)) return this.params[Number(name)] ?? "";
    return this.vars.get(name) ?? "";
  };

  readonly ctx: ExpandCtx = {
    lookup: this.lookup,
    positional: () => this.params.slice(1),
    subst: (src) => this.#subst(src),
    ifs: () => this.vars.get("IFS") ?? " \t\n",
  };

  /** The environment a child gets: exported variables, plus `extra`. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = {};
    for (const k of [...this.exported].sort()) {
      const v = this.vars.get(k);
      if (v !== undefined) env[k] = v;
    }
    return { ...env, ...extra };
  }

  // --- running commands ---

  /** Runs one command node; returns (and records) its status. */
  *exec(c: Cmd): Wait<number> {
    try {
      return yield* this.#exec(c);
    } catch (e) {
      if (!(e instanceof ArithError)) throw e;
      // A bad $((...)) fails the command it is in, like any expansion error (XCU 2.8.1).
      yield* eprint(this.sys, `sh: arithmetic expression: ${e.message}\n`);
      this.status = 2;
      return this.#checkErr();
    }
  }

  *#exec(c: Cmd): Wait<number> {
    switch (c.t) {
      case "list":
        for (const it of c.items) {
          if (it.bg) yield* this.#background(it.cmd);
          else yield* this.exec(it.cmd);
        }
        return this.status;
      case "andor": {
        this.#cond++;
        try {
          yield* this.exec(c.left);
        } finally {
          this.#cond--;
        }
        if ((c.op === "&&") === (this.status === 0)) yield* this.exec(c.right);
        return this.status;
      }
      case "pipeline":
        return yield* this.#pipeline(c);
      case "simple":
        this.status = yield* this.#simple(c);
        return this.#checkErr();
      default:
        return yield* this.#withRedirs(c.redirs, () => this.#compound(c));
    }
  }

  /** `set -e`: exits on a failure outside a condition. */
  #checkErr(): number {
    if (this.errexit && this.#cond === 0 && this.status !== 0) throw new ShExit(this.status);
    return this.status;
  }

  *#cond1(c: Cmd): Wait<number> {
    this.#cond++;
    try {
      return yield* this.exec(c);
    } finally {
      this.#cond--;
    }
  }

  *#compound(c: Cmd): Wait<number> {
    switch (c.t) {
      case "group": {
        if (!c.sub) return yield* this.exec(c.body);
        // ( list ): variables, positional parameters, options and cwd changes stay inside.
        const vars = new Map(this.vars);
        const exported = new Set(this.exported);
        const params = [...this.params];
        const errexit = this.errexit;
        const cwd = yield* this.sys.getcwd();
        try {
          return yield* this.exec(c.body);
        } catch (e) {
          if (e instanceof ShExit) return (this.status = e.status);
          throw e;
        } finally {
          this.vars.clear();
          for (const [k, v] of vars) this.vars.set(k, v);
          this.exported.clear();
          for (const k of exported) this.exported.add(k);
          this.params = params;
          this.errexit = errexit;
          yield* this.sys.chdir(cwd);
        }
      }
      case "if": {
        for (const arm of c.arms) {
          if ((yield* this.#cond1(arm.cond)) === 0) return yield* this.exec(arm.body);
        }
        if (c.els) return yield* this.exec(c.els);
        return (this.status = 0);
      }
      case "while": {
        let last = 0;
        for (;;) {
          const st = yield* this.#cond1(c.cond);
          if ((st === 0) === c.until) break;
          last = yield* this.exec(c.body);
        }
        return (this.status = last);
      }
      case "for": {
        const items = c.words
          ? yield* expandWords(c.words, this.ctx, this.sys)
          : this.params.slice(1);
        let last = 0;
        for (const v of items) {
          this.vars.set(c.name, v);
          last = yield* this.exec(c.body);
        }
        return (this.status = last);
      }
      case "case": {
        const w = yield* expandOne(c.word, this.ctx);
        for (const arm of c.arms) {
          for (const p of arm.pats) {
            if (fnmatch(yield* patternOf(p, this.ctx), w)) {
              return arm.body ? yield* this.exec(arm.body) : (this.status = 0);
            }
          }
        }
        return (this.status = 0);
      }
      default:
        return yield* this.exec(c);
    }
  }

  /** Runs `body` with `redirs` applied; a failed redirection is status 1. */
  *#withRedirs(redirs: Redir[], body: () => Wait<number>): Wait<number> {
    const saved: Saved = [];
    try {
      for (const r of redirs) {
        const err = yield* this.#redirect(r, saved);
        if (err !== null) {
          yield* eprint(this.sys, `sh: ${err}\n`);
          this.status = 1;
          return this.#checkErr();
        }
      }
      return yield* body();
    } finally {
      yield* this.#restore(saved);
    }
  }

  /** A simple command in this shell: assignments, a builtin, an app or a script. */
  *#simple(c: Extract<Cmd, { t: "simple" }>): Wait<number> {
    this.#substStatus = null;
    const argv = yield* expandWords(c.words, this.ctx, this.sys);
    const assigns: Record<string, string> = {};
    for (const a of c.assigns) assigns[a.name] = yield* expandOne(a.value, this.ctx);
    if (argv.length === 0) {
      for (const [k, v] of Object.entries(assigns)) this.vars.set(k, v);
      const st = this.#substStatus ?? 0;
      return yield* this.#withRedirs(c.redirs, function* () {
        return st;
      });
    }
    return yield* this.#withRedirs(c.redirs, () => this.#run(argv, assigns, false));
  }

  /** Runs argv; `bg` starts an app or script without waiting and returns its pid (negative: a status). */
  *#run(argv: string[], assigns: Record<string, string>, bg: boolean): Wait<number> {
    const sys = this.sys;
    const name = argv[0];
    const builtin = BUILTINS[name];
    if (builtin && !bg) {
      const old = new Map<string, string | undefined>();
      for (const [k, v] of Object.entries(assigns)) {
        old.set(k, this.vars.get(k));
        this.vars.set(k, v);
      }
      try {
        return yield* builtin(this, argv);
      } finally {
        for (const [k, v] of old) v === undefined ? this.vars.delete(k) : this.vars.set(k, v);
      }
    }
    let prog = name;
    let args = argv;
    if (name.includes("/") || !sys.apps().includes(name)) {
      const path = yield* this.#findScript(name);
      if (path === null) {
        yield* eprint(sys, `sh: ${name}: not found\n`);
        return bg ? -127 : 127;
      }
      const why = yield* this.#notRunnable(path);
      if (why) {
        yield* eprint(sys, `sh: ${name}: ${why}\n`);
        return bg ? -126 : 126;
      }
      prog = "sh";
      args = ["sh", path, ...argv.slice(1)];
    }
    let pid: number;
    try {
      pid = sys.posix_spawn(prog, args, this.env(assigns));
    } catch (e) {
      yield* eprint(sys, `sh: ${name}: ${errText(e)}\n`);
      return bg ? -126 : 126;
    }
    if (bg) return pid;
    return (yield* sys.waitpid(pid)).status;
  }

  /** Why the file at `path` cannot be run as a script, or null. */
  *#notRunnable(path: string): Wait<string | null> {
    try {
      const st = yield* this.sys.stat(path);
      if (S_ISDIR(st.mode)) return "Is a directory";
      if ((st.mode & 0o111) === 0) return "Permission denied";
    } catch (e) {
      return errText(e);
    }
    if (!this.sys.apps().includes("sh")) return "no shell is linked to run it";
    return null;
  }

  /** The file a command name names: itself if it has a '/', else the first in $PATH. */
  *#findScript(name: string): Wait<string | null> {
    if (name.includes("/")) return name;
    for (const dir of (this.vars.get("PATH") ?? "/bin").split(":")) {
      const p = `${dir || "."}/${name}`;
      try {
        yield* this.sys.stat(p);
        return p;
      } catch (e) {
        errText(e);
      }
    }
    return null;
  }

  /**
   * Starts `c` as a child process with the current descriptors: an app directly when `c`
   * is a simple command naming one, else a child shell running `c`'s text. Returns the
   * pid, or a negative status when nothing could start.
   */
  *#startChild(c: Cmd): Wait<number> {
    if (c.t === "simple" && c.words.length > 0) {
      const argv = yield* expandWords(c.words, this.ctx, this.sys);
      if (argv.length > 0 && !BUILTINS[argv[0]]) {
        const assigns: Record<string, string> = {};
        for (const a of c.assigns) assigns[a.name] = yield* expandOne(a.value, this.ctx);
        let pid = -1;
        const st = yield* this.#withRedirs(
          c.redirs,
          function* (this: Shell) {
            pid = yield* this.#run(argv, assigns, true);
            return 0;
          }.bind(this),
        );
        return st !== 0 ? -st : pid;
      }
    }
    return yield* this.#childShell(c.src);
  }

  /** Starts `sh -c src` with every variable, the options and the positional parameters. */
  *#childShell(src: string): Wait<number> {
    const sys = this.sys;
    if (!sys.apps().includes("sh")) {
      yield* eprint(sys, "sh: no shell is linked to run a subshell\n");
      return -126;
    }
    const all: Record<string, string> = {};
    for (const [k, v] of this.vars) all[k] = v;
    const opts = this.errexit ? ["-e"] : [];
    return sys.posix_spawn("sh", ["sh", ...opts, "-c", src, ...this.params], all);
  }

  /** `a | b | c`: each stage its own process; the status of the last (negated by `!`). */
  *#pipeline(c: Extract<Cmd, { t: "pipeline" }>): Wait<number> {
    const sys = this.sys;
    const pids: number[] = [];
    let status = 0;
    let prevRead = -1;
    for (let i = 0; i < c.cmds.length; i++) {
      const last = i === c.cmds.length - 1;
      let r = -1;
      let w = -1;
      if (!last) {
        [r, w] = sys.pipe();
        sys.fcntl(r, F_SETFD, FD_CLOEXEC);
        sys.fcntl(w, F_SETFD, FD_CLOEXEC);
      }
      const saved: Saved = [];
      let pid: number;
      try {
        if (prevRead >= 0) yield* this.#moveFd(prevRead, 0, saved);
        if (w >= 0) yield* this.#moveFd(w, 1, saved);
        pid = yield* this.#startChild(c.cmds[i]);
      } finally {
        yield* this.#restore(saved);
        if (prevRead >= 0) yield* sys.close(prevRead);
        if (w >= 0) yield* sys.close(w);
      }
      if (pid > 0) pids.push(pid);
      if (last) status = pid > 0 ? -1 : -pid;
      prevRead = r;
    }
    for (const pid of pids) {
      const st = (yield* sys.waitpid(pid)).status;
      if (pid === pids[pids.length - 1] && status === -1) status = st;
    }
    if (status === -1) status = 0;
    this.status = c.bang ? (status === 0 ? 1 : 0) : status;
    return c.bang ? this.status : this.#checkErr();
  }

  /** `cmd &`: starts it without waiting; `$!` is its pid. */
  *#background(c: Cmd): Wait<void> {
    // Without job control its stdin is /dev/null, before its own redirections (XCU 2.9.3.1).
    const saved: Saved = [];
    let pid: number;
    try {
      try {
        const fd = yield* this.sys.open("/dev/null", O_RDONLY);
        yield* this.#moveFd(fd, 0, saved);
        if (fd !== 0) yield* this.sys.close(fd);
      } catch (e) {
        if (!(e instanceof Errno)) throw e; // no /dev: the list keeps the shell's stdin
      }
      pid = yield* this.#startChild(c);
    } finally {
      yield* this.#restore(saved);
    }
    if (pid > 0) {
      this.lastBg = pid;
      this.jobs.push(pid);
      this.status = 0;
    } else this.status = -pid;
  }

  #substStatus: number | null = null;

  /** `$(src)`: the output of a child shell running `src`, less trailing newlines. */
  *#subst(src: string): Wait<string> {
    const sys = this.sys;
    const [r, w] = sys.pipe();
    sys.fcntl(r, F_SETFD, FD_CLOEXEC);
    sys.fcntl(w, F_SETFD, FD_CLOEXEC);
    const saved: Saved = [];
    let pid: number;
    try {
      yield* this.#moveFd(w, 1, saved);
      pid = yield* this.#childShell(src);
    } finally {
      yield* this.#restore(saved);
      yield* sys.close(w);
    }
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(4096);
    try {
      for (;;) {
        const n = yield* sys.read(r, buf);
        if (n === 0) break;
        chunks.push(buf.slice(0, n));
      }
    } finally {
      yield* sys.close(r);
    }
    const st = pid > 0 ? (yield* sys.waitpid(pid)).status : -pid;
    this.#substStatus = st;
    let out = "";
    for (const ch of chunks) out += dec.decode(ch, { stream: true });
    out += dec.decode();
    return out.replace(/\n+$/, "");
  }

  // --- descriptors ---

  /** Makes `to` name what `from` names, saving `to` first (for #restore). */
  *#moveFd(from: number, to: number, saved: Saved): Wait {
    if (!saved.some((s) => s.fd === to)) {
      let copy = -1;
      try {
        copy = this.sys.fcntl(to, F_DUPFD, 10);
        this.sys.fcntl(copy, F_SETFD, FD_CLOEXEC);
      } catch (e) {
        if (!(e instanceof Errno && e.errno === errno.EBADF)) throw e;
      }
      saved.push({ fd: to, copy });
    }
    if (from !== to) yield* this.sys.dup2(from, to);
  }

  /** Applies one redirection; returns an error message or null. */
  *#redirect(r: Redir, saved: Saved): Wait<string | null> {
    const sys = this.sys;
    if (r.op === "<<") {
      let body = r.body ?? "";
      if (r.expand) body = yield* this.#expandHere(body);
      const bytes = enc.encode(body);
      if (bytes.length > PIPE_SIZE) return `here-document longer than ${PIPE_SIZE} bytes`;
      const [pr, pw] = sys.pipe();
      yield* writeAll(sys, pw, bytes);
      yield* sys.close(pw);
      yield* this.#moveFd(pr, r.fd, saved);
      if (pr !== r.fd) yield* sys.close(pr);
      return null;
    }
    const target = yield* expandOne(r.target, this.ctx);
    if (r.op === ">&" || r.op === "<&") {
      if (target === "-") {
        yield* this.#moveFd(r.fd, r.fd, saved);
        yield* this.#closeQuiet(r.fd);
        return null;
      }
      if (!/^[0-9]+$/.test(target)) return `${target}: bad file descriptor number`;
      const from = Number(target);
      try {
        sys.fcntl(from, F_GETFD); // is it open?
      } catch (e) {
        return `${target}: ${errText(e)}`;
      }
      if (from !== r.fd) yield* this.#moveFd(from, r.fd, saved);
      return null;
    }
    const flags = r.op === "<"
      ? O_RDONLY
      : r.op === "<>"
      ? O_RDWR | O_CREAT
      : O_WRONLY | O_CREAT | (r.op === ">>" ? O_APPEND : O_TRUNC);
    let from: number;
    try {
      from = yield* sys.open(target, flags, 0o666);
    } catch (e) {
      return `${target}: ${errText(e)}`;
    }
    if (from === r.fd) {
      saved.push({ fd: r.fd, copy: -1 });
      return null;
    }
    yield* this.#moveFd(from, r.fd, saved);
    yield* sys.close(from);
    return null;
  }

  /** A here-document body with parameters and $(...) expanded (quotes stay). */
  *#expandHere(body: string): Wait<string> {
    let out = "";
    for (let i = 0; i < body.length;) {
      const c = body[i];
      if (c === "\\" && "$`\\".includes(body[i + 1] ?? "")) {
        out += body[i + 1];
        i += 2;
      } else if (c === "$" || c === "`") {
        const m = /^\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|[?#$!@*0-9])/.exec(body.slice(i));
        if (c === "$" && m) {
          out += this.lookup(m[1].replace(/^\{|\}$/g, ""));
          i += m[0].length;
        } else if (c === "$" && body[i + 1] === "(") {
          let end: number;
          try {
            end = skipSubst(body, i + 2);
          } catch (e) {
            if (!(e instanceof ShSyntaxError)) throw e;
            end = -1;
          }
          if (end < 0) {
            out += c;
            i++;
          } else {
            out += yield* this.#subst(body.slice(i + 2, end - 1));
            i = end;
          }
        } else {
          out += c;
          i++;
        }
      } else {
        out += c;
        i++;
      }
    }
    return out;
  }

  /** Puts back the descriptors a command's redirections changed, last first. */
  *#restore(saved: Saved): Wait {
    for (const s of saved.reverse()) {
      if (s.copy >= 0) {
        yield* this.sys.dup2(s.copy, s.fd);
        yield* this.sys.close(s.copy);
      } else {
        yield* this.#closeQuiet(s.fd);
      }
    }
  }

  *#closeQuiet(fd: number): Wait {
    try {
      yield* this.sys.close(fd);
    } catch (e) {
      if (!(e instanceof Errno)) throw e;
    }
  }
}

/** True when fd 0 is the console (a character device): then the shell prompts. */
function* stdinIsConsole(sys: Sys): Wait<boolean> {
  try {
    return ((yield* sys.fstat(0)).mode & S_IFMT) === S_IFCHR;
  } catch {
    return false;
  }
}

/** Reads commands from fd 0 and runs each complete one; ends at end of input or `exit`. */
function* readLoop(sh: Shell, prompt: boolean): Wait<number> {
  const sys = sh.sys;
  let pending = "";
  let src = "";
  const buf = new Uint8Array(4096);
  let eof = false;
  for (;;) {
    if (prompt) yield* eprint(sys, src === "" ? "$ " : "> ");
    let nl = pending.indexOf("\n");
    while (nl < 0 && !eof) {
      const n = yield* sys.read(0, buf);
      if (n === 0) eof = true;
      else pending += dec.decode(buf.subarray(0, n), { stream: true });
      pending = pending.replaceAll("\r\n", "\n").replaceAll("\r", "\n");
      nl = pending.indexOf("\n");
    }
    if (nl < 0 && pending === "") {
      if (src.trim() !== "") {
        yield* eprint(sys, "sh: syntax error: unexpected end of input\n");
        return 2;
      }
      return sh.status;
    }
    src += (nl < 0 ? pending : pending.slice(0, nl)) + "\n";
    pending = nl < 0 ? "" : pending.slice(nl + 1);
    let prog: Cmd;
    try {
      prog = parse(src);
    } catch (e) {
      if (!(e instanceof ShSyntaxError)) throw e;
      if (e.incomplete && !(eof && pending === "")) continue;
      yield* eprint(sys, `sh: syntax error: ${e.message}\n`);
      sh.status = 2;
      src = "";
      continue;
    }
    src = "";
    yield* sh.exec(prog);
  }
}

function* main(sys: Sys, argv: string[], env: Record<string, string>): Wait<number> {
  let args = argv.slice(1);
  let errexit = false;
  let forceInteractive = false;
  while (args[0] === "-e" || args[0] === "-i") {
    if (args[0] === "-e") errexit = true;
    else forceInteractive = true;
    args = args.slice(1);
  }
  let sh: Shell | null = null;
  try {
    if (args[0] === "-c") {
      if (args.length < 2) {
        yield* eprint(sys, "sh: -c requires an argument\n");
        return 2;
      }
      sh = new Shell(sys, env, args.length > 2 ? args.slice(2) : [argv[0] ?? "sh"]);
      sh.errexit = errexit;
      return yield* sh.run(args[1]);
    }
    if (args.length === 0 || args[0] === "-s") {
      sh = new Shell(sys, env, [argv[0] ?? "sh", ...args.slice(1)]);
      sh.errexit = errexit;
      // -s says the input is a script (no prompt), as a caller that knows stdin is a pipe
      // or file passes it; with no argument the console is taken for a terminal.
      const prompt = forceInteractive || (args.length === 0 && (yield* stdinIsConsole(sys)));
      return yield* readLoop(sh, prompt);
    }
    if (args[0].startsWith("-") && args[0] !== "-") {
      yield* eprint(
        sys,
        `sh: unknown option ${args[0]}\nusage: sh [-e] [-c command | file] [args]\n`,
      );
      return 2;
    }
    sh = new Shell(sys, env, args);
    sh.errexit = errexit;
    let src: string;
    try {
      src = dec.decode(yield* readFile(sys, args[0]));
    } catch (e) {
      yield* eprint(sys, `sh: cannot open ${args[0]}: ${errText(e)}\n`);
      return 127;
    }
    return yield* sh.run(src);
  } catch (e) {
    if (e instanceof ShExit) return e.status;
    throw e;
  }
}

export const sh: App = { name: "sh", main, summary: "a small shell" };
export default sh;
