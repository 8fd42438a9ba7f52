/**
 * sh.ts — a small shell: `sh -c 'cmd; cmd'`, `sh script [args]`, or lines read from fd 0
 * with a `$ ` prompt until end of input or `exit`.
 *
 * Rules: the grammar is apps/lib/sh_parse.ts (quotes, escapes, `;`, `&&`, `||`,
 * redirections, parameters). A command is a builtin (cd, pwd, echo, exit, true, false,
 * `:`), else an app linked into the image, run with `sys.spawn` (it inherits the shell's
 * descriptors, so redirections reach it), else an executable file (by a path with a '/',
 * or found in $PATH, default /bin) run as a shell script in a child shell. Redirections
 * are applied to the shell's own descriptors with dup2 and restored after the command.
 * Exit statuses as POSIX gives them (XCU 2.8.2): 127 not found, 126 found but not
 * runnable, 2 a syntax error, 1 a failed redirection or builtin; the shell's status is
 * the last command's. The prompt goes to stderr, as sh's PS1 does.
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
  O_TRUNC,
  O_WRONLY,
  S_ISDIR,
  type Sys,
  type Wait,
} from "../kernel/syscall/api.ts";
import { errText, readFile } from "./lib/fsutil.ts";
import {
  expandWord,
  type ListItem,
  parse,
  type Redir,
  ShSyntaxError,
  type SimpleCommand,
} from "./lib/sh_parse.ts";
import { eprint, print } from "./lib/stdio.ts";

/** Thrown by the `exit` builtin to end the shell. */
class ShExit {
  constructor(readonly status: number) {}
}

const dec = new TextDecoder();

/** One shell: its variables, positional parameters and last status. */
export class Shell {
  status = 0;
  readonly vars: Record<string, string>;

  constructor(readonly sys: Sys, env: Record<string, string>, readonly params: string[]) {
    this.vars = { ...env };
  }

  /** Parses and runs `src`; a syntax error prints and gives status 2. */
  *run(src: string): Wait<number> {
    let list: ListItem[];
    try {
      list = parse(src);
    } catch (e) {
      if (!(e instanceof ShSyntaxError)) throw e;
      yield* eprint(this.sys, `sh: syntax error: ${e.message}\n`);
      return (this.status = 2);
    }
    for (const item of list) {
      if (item.join === "&&" && this.status !== 0) continue;
      if (item.join === "||" && this.status === 0) continue;
      this.status = yield* this.command(item.cmd);
    }
    return this.status;
  }

  #lookup = (name: string): string => {
    if (name === "?") return String(this.status);
    if (name === "#") return String(Math.max(0, this.params.length - 1));
    if (name === "$") return String(this.sys.getpid());
    if (/^[0-9]+$/.test(name)) return this.params[Number(name)] ?? "";
    return this.vars[name] ?? "";
  };

  /** Runs one simple command with its redirections; returns its status. */
  *command(cmd: SimpleCommand): Wait<number> {
    const argv: string[] = [];
    for (const w of cmd.words) {
      const s = expandWord(w, this.#lookup);
      if (s !== null) argv.push(s);
    }
    const saved: { fd: number; copy: number }[] = [];
    try {
      for (const r of cmd.redirs) {
        const err = yield* this.#redirect(r, saved);
        if (err !== null) {
          yield* eprint(this.sys, `sh: ${err}\n`);
          return 1;
        }
      }
      if (argv.length === 0) return 0;
      return yield* this.#exec(argv);
    } finally {
      yield* this.#restore(saved);
    }
  }

  /** Applies one redirection; returns an error message or null. */
  *#redirect(r: Redir, saved: { fd: number; copy: number }[]): Wait<string | null> {
    const sys = this.sys;
    const target = expandWord(r.target, this.#lookup) ?? "";
    let from: number;
    if (r.op === ">&" || r.op === "<&") {
      if (!/^[0-9]+$/.test(target)) return `${target}: bad file descriptor number`;
      from = Number(target);
      try {
        sys.fcntl(from, F_GETFD); // is it open?
      } catch (e) {
        return `${target}: ${errText(e)}`;
      }
    } else {
      const flags = r.op === "<"
        ? O_RDONLY
        : O_WRONLY | O_CREAT | (r.op === ">>" ? O_APPEND : O_TRUNC);
      try {
        from = yield* sys.open(target, flags, 0o666);
      } catch (e) {
        return `${target}: ${errText(e)}`;
      }
    }
    if (from === r.fd) return null;
    if (!saved.some((s) => s.fd === r.fd)) {
      let copy = -1;
      try {
        copy = sys.fcntl(r.fd, F_DUPFD, 10);
        sys.fcntl(copy, F_SETFD, FD_CLOEXEC);
      } catch (e) {
        if (!(e instanceof Errno && e.errno === errno.EBADF)) throw e;
      }
      saved.push({ fd: r.fd, copy });
    }
    yield* sys.dup2(from, r.fd);
    if (r.op !== ">&" && r.op !== "<&") yield* sys.close(from);
    return null;
  }

  /** Puts back the descriptors a command's redirections changed, last first. */
  *#restore(saved: { fd: number; copy: number }[]): Wait {
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

  /** Runs a command by name: builtin, linked app, or script file. */
  *#exec(argv: string[]): Wait<number> {
    const sys = this.sys;
    const name = argv[0];
    const builtin = BUILTINS[name];
    if (builtin) return yield* builtin(this, argv);
    if (!name.includes("/") && sys.apps().includes(name)) {
      return yield* sys.spawn(name, argv, { ...this.vars });
    }
    const path = yield* this.#findScript(name);
    if (path === null) {
      yield* eprint(sys, `sh: ${name}: not found\n`);
      return 127;
    }
    try {
      const st = yield* sys.stat(path);
      if (S_ISDIR(st.mode)) {
        yield* eprint(sys, `sh: ${name}: Is a directory\n`);
        return 126;
      }
      if ((st.mode & 0o111) === 0) {
        yield* eprint(sys, `sh: ${name}: Permission denied\n`);
        return 126;
      }
    } catch (e) {
      yield* eprint(sys, `sh: ${name}: ${errText(e)}\n`);
      return 127;
    }
    if (!sys.apps().includes("sh")) {
      yield* eprint(sys, `sh: ${name}: no shell is linked to run it\n`);
      return 126;
    }
    return yield* sys.spawn("sh", ["sh", path, ...argv.slice(1)], { ...this.vars });
  }

  /** The file a command name names: itself if it has a '/', else the first in $PATH. */
  *#findScript(name: string): Wait<string | null> {
    if (name.includes("/")) return name;
    for (const dir of (this.vars.PATH ?? "/bin").split(":")) {
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
}

type Builtin = (sh: Shell, argv: string[]) => Wait<number>;

const BUILTINS: Record<string, Builtin> = {
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
    const dir = argv[1] ?? sh.vars.HOME ?? "/";
    try {
      yield* sh.sys.chdir(dir);
    } catch (e) {
      yield* eprint(sh.sys, `cd: ${dir}: ${errText(e)}\n`);
      return 1;
    }
    sh.vars.PWD = yield* sh.sys.getcwd();
    return 0;
  },
  *exit(sh, argv) {
    if (argv[1] !== undefined && !/^[0-9]+$/.test(argv[1])) {
      yield* eprint(sh.sys, `exit: Illegal number: ${argv[1]}\n`);
      throw new ShExit(2);
    }
    throw new ShExit(argv[1] !== undefined ? Number(argv[1]) & 0xff : sh.status);
  },
};

/** Reads lines from fd 0 with a prompt and runs each; ends at end of input or `exit`. */
function* interactive(sh: Shell): Wait<number> {
  const sys = sh.sys;
  let pending = "";
  const buf = new Uint8Array(4096);
  let eof = false;
  for (;;) {
    yield* eprint(sys, "$ ");
    let nl = pending.indexOf("\n");
    while (nl < 0 && !eof) {
      const n = yield* sys.read(0, buf);
      if (n === 0) eof = true;
      else pending += dec.decode(buf.subarray(0, n), { stream: true });
      pending = pending.replaceAll("\r\n", "\n").replaceAll("\r", "\n");
      nl = pending.indexOf("\n");
    }
    if (nl < 0 && pending === "") return sh.status;
    const line = nl < 0 ? pending : pending.slice(0, nl);
    pending = nl < 0 ? "" : pending.slice(nl + 1);
    yield* sh.run(line);
  }
}

function* main(sys: Sys, argv: string[], env: Record<string, string>): Wait<number> {
  const args = argv.slice(1);
  let sh: Shell | null = null;
  try {
    if (args[0] === "-c") {
      if (args.length < 2) {
        yield* eprint(sys, "sh: -c requires an argument\n");
        return 2;
      }
      sh = new Shell(sys, env, args.length > 2 ? args.slice(2) : [argv[0] ?? "sh"]);
      return yield* sh.run(args[1]);
    }
    if (args[0] === "-i" || args.length === 0) {
      sh = new Shell(sys, env, [argv[0] ?? "sh"]);
      return yield* interactive(sh);
    }
    if (args[0].startsWith("-") && args[0] !== "-") {
      yield* eprint(sys, `sh: unknown option ${args[0]}\nusage: sh [-c command | file] [args]\n`);
      return 2;
    }
    sh = new Shell(sys, env, args);
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
