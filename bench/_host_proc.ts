/**
 * _host_proc.ts — what the load benchmarks measure of a host process and how they drive a
 * server: RSS and CPU time from Linux's /proc, waiting for a URL to answer, an ab run, and
 * the native reference (`Deno.serve` of the httpd image's /hello.txt in its own process).
 *
 * Rules: a helper, not a benchmark (run_all.ts skips "_" files). /proc readers return null
 * where there is no /proc (not Linux) rather than failing; `ab` throws with ab's own words
 * when it printed no rate.
 */

/** Resident set size of process `pid` in MiB (VmRSS), or null. */
export async function rssMiB(pid: number): Promise<number | null> {
  try {
    const t = await Deno.readTextFile(`/proc/${pid}/status`);
    const m = /VmRSS:\s+(\d+) kB/.exec(t);
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * User + system CPU seconds of process `pid` so far (utime + stime of /proc/PID/stat at
 * USER_HZ 100), or null. Read with `cat`: Deno lets only --allow-all read /proc.
 */
export async function cpuSeconds(pid: number): Promise<number | null> {
  try {
    const out = await new Deno.Command("cat", { args: [`/proc/${pid}/stat`], stdout: "piped" })
      .output();
    if (!out.success) return null;
    const f = new TextDecoder().decode(out.stdout);
    const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Polls `url` until it answers 2xx (every `everyMs`); throws after `tries` attempts. */
export async function waitFor(url: string, tries = 30000, everyMs = 5): Promise<void> {
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${url} never answered`);
}

export interface AbResult {
  /** Requests per second as ab reports them. */
  rps: number;
  complete: number;
  failed: number;
  /** Responses other than 2xx. */
  non2xx: number;
  /** The longest request, ms (a 1 s one is a SYN retransmitted: a refused handshake). */
  longest: number;
}

/**
 * One ab run against `url`: `-c conns`, for `secs` seconds or for `n` requests, `-k` when
 * keepAlive (without it, one connection per request). Needs ab (Debian: apache2-utils).
 */
export async function ab(
  url: string,
  opts: { conns: number; secs?: number; n?: number; keepAlive?: boolean },
): Promise<AbResult> {
  const args = ["-q", "-c", String(opts.conns)];
  if (opts.n !== undefined) args.push("-n", String(opts.n));
  else args.push("-t", String(opts.secs ?? 5), "-n", "1000000");
  if (opts.keepAlive) args.push("-k");
  const out = await new Deno.Command("ab", {
    args: [...args, url],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  const m = /Requests per second:\s+([\d.]+)/.exec(text);
  if (!m) throw new Error(`ab said: ${new TextDecoder().decode(out.stderr).trim()}`);
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return {
    rps: Number(m[1]),
    complete: num(/Complete requests:\s+(\d+)/),
    failed: num(/Failed requests:\s+(\d+)/),
    non2xx: num(/Non-2xx responses:\s+(\d+)/),
    longest: num(/100%\s+(\d+) \(longest request\)/),
  };
}

/**
 * The native reference: `Deno.serve` on 127.0.0.1:`port` answering every request with the
 * httpd image's /hello.txt, in a process of its own (the same accept queue as hostfwd's).
 */
export async function spawnNativeHello(port: number): Promise<Deno.ChildProcess> {
  const { SITE } = await import("../images/httpd.ts");
  const bodyB64 = btoa(String.fromCharCode(...(SITE["/hello.txt"] as Uint8Array)));
  return new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `const b = Uint8Array.from(atob("${bodyB64}"), (c) => c.charCodeAt(0));
     Deno.serve({ port: ${port}, hostname: "127.0.0.1", tcpBacklog: 65535,
       onListen() {} },
       () => new Response(b, { headers: { "content-type": "text/plain" } }));`,
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
}
