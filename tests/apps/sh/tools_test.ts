/**
 * The file tools run through sh against tmpfs: each one's normal use and its errors,
 * with NetBSD's messages and POSIX exit statuses.
 */
import assert from "node:assert/strict";
import { shc } from "./sh_harness.ts";

/** Runs `script`; asserts the output and the status. */
function check(script: string, out: string, status = 0) {
  const r = shc(script);
  assert.equal(r.out, out, script);
  assert.equal(r.status, status, `${script}: status`);
}

Deno.test("ls: names one per line, sorted, dot files only with -a or -A", () => {
  check("cd /tmp; touch b a .h; mkdir c; ls", "a\nb\nc\n");
  check("cd /tmp; touch .h x; ls -a", ".\n..\n.h\nx\n");
  check("cd /tmp; touch .h x; ls -A", ".h\nx\n");
});

Deno.test("ls: files before directories, directories under headers; -d lists them as files", () => {
  check(
    "cd /tmp; mkdir d e; touch d/1 f; ls f d e; ls -d d",
    "f\n\nd:\n1\n\ne:\nd\n",
  );
});

Deno.test("ls -l: NetBSD's long format with a total, owner names and a link target", () => {
  check(
    "cd /tmp; echo hello > f; chmod 640 f; mkdir d; ln -s f l; ls -l",
    "total 8\n" +
      "drwxr-xr-x  2 root  wheel  32 Jan  1 00:00 d\n" +
      "-rw-r-----  1 root  wheel   6 Jan  1 00:00 f\n" +
      "lrwxr-xr-x  1 root  wheel   1 Jan  1 00:00 l -> f\n",
  );
});

Deno.test("ls: a missing operand is reported, the rest listed, status 1", () => {
  check("touch /tmp/a; ls /nope /tmp/a", "ls: /nope: No such file or directory\n/tmp/a\n", 1);
  check("ls -z", "ls: unknown option -- z\nusage: ls [-1adlAR] [file ...]\n", 1);
});

Deno.test("cat: concatenates files and stdin; a missing file is reported, status 1", () => {
  check("echo a > /tmp/a; echo b > /tmp/b; cat /tmp/a /tmp/b; cat < /tmp/a", "a\nb\na\n");
  check("echo a > /tmp/a; cat /nope /tmp/a", "cat: /nope: No such file or directory\na\n", 1);
  check("cat /tmp", "cat: /tmp: Is a directory\n", 1);
});

Deno.test("echo: -n leaves out the newline", () => {
  check("echo -n a b; echo; echo -- x", "a b\n-- x\n");
});

Deno.test("mkdir: makes directories; -p makes parents and accepts existing ones", () => {
  check(
    "mkdir /tmp/a; mkdir -p /tmp/b/c/d /tmp/a; ls /tmp /tmp/b/c",
    "/tmp:\na\nb\n\n/tmp/b/c:\nd\n",
  );
  check("mkdir /tmp/a /tmp/a", "mkdir: /tmp/a: File exists\n", 1);
  check("mkdir /tmp/x/y", "mkdir: /tmp/x/y: No such file or directory\n", 1);
  check(
    "mkdir -m 700 /tmp/m; ls -ld /tmp/m",
    "drwx------  2 root  wheel  32 Jan  1 00:00 /tmp/m\n",
  );
});

Deno.test("rmdir: removes empty directories; a non-empty one is ENOTEMPTY", () => {
  check("mkdir /tmp/a; rmdir /tmp/a; ls /tmp", "");
  check("mkdir /tmp/a; touch /tmp/a/f; rmdir /tmp/a", "rmdir: /tmp/a: Directory not empty\n", 1);
  check("rmdir /tmp/nope", "rmdir: /tmp/nope: No such file or directory\n", 1);
});

Deno.test("rm: removes files; -r trees; -f is quiet about missing names", () => {
  check("cd /tmp; touch a b; rm a; ls", "b\n");
  check("cd /tmp; mkdir -p d/e; touch d/e/f d/.g; rm -r d; ls -a", ".\n..\n");
  check(
    "rm /tmp/nope; echo $?; rm -f /tmp/nope; echo $?",
    "rm: /tmp/nope: No such file or directory\n1\n0\n",
  );
  check("mkdir /tmp/d; rm /tmp/d", "rm: /tmp/d: is a directory\n", 1);
  check("rm -r .", 'rm: "." and ".." may not be removed\n', 1);
});

Deno.test("mv: renames, moves into a directory, and across file systems by copying", () => {
  check("cd /tmp; echo x > a; mv a b; mkdir d; mv b d; ls d; cat d/b", "b\nx\n");
  check("cd /tmp; echo x > a; mv /tmp/a /moved; cat /moved; ls /tmp", "x\n");
  check("mv /tmp/nope /tmp/x", "mv: /tmp/nope: No such file or directory\n", 1);
  check("touch /tmp/a /tmp/b; mv /tmp/a /tmp/b /tmp/c", "mv: /tmp/c is not a directory\n", 1);
});

Deno.test("cp: copies files with their modes; -R copies trees; directories need -R", () => {
  check(
    "cd /tmp; echo x > a; chmod 600 a; cp a b; cat b; ls -l b",
    "x\n-rw-------  1 root  wheel  2 Jan  1 00:00 b\n",
  );
  check(
    "cd /tmp; mkdir -p d/e; echo y > d/e/f; ln -s f d/l; cp -R d c; cat c/e/f; ls c",
    "y\ne\nl\n",
  );
  check("mkdir /tmp/d; cp /tmp/d /tmp/e", "cp: /tmp/d is a directory (not copied).\n", 1);
  check("cp /tmp/nope /tmp/x", "cp: /tmp/nope: No such file or directory\n", 1);
});

Deno.test("ln: hard and symbolic links; an existing name is EEXIST unless -f", () => {
  check(
    "cd /tmp; echo x > a; ln a b; ln -s a s; cat b s; ls -l b",
    "x\nx\n-rw-r--r--  2 root  wheel  2 Jan  1 00:00 b\n",
  );
  check("cd /tmp; touch a b; ln a b", "ln: b: File exists\n", 1);
  check(
    "cd /tmp; touch a b; ln -f -s a b; ls -l b",
    "lrwxr-xr-x  1 root  wheel  1 Jan  1 00:00 b -> a\n",
  );
  check("ln /tmp/nope /tmp/x", "ln: /tmp/nope: No such file or directory\n", 1);
});

Deno.test("stat: shows type, mode, owner, links and times; a missing file is reported", () => {
  const r = shc("echo abc > /tmp/f; chmod 644 /tmp/f; stat /tmp/f");
  assert.equal(r.status, 0);
  assert.match(r.out, /^ {2}File: "\/tmp\/f"\n {2}Size: 4 +FileType: Regular File\n/);
  assert.match(r.out, /Mode: \(0644\/-rw-r--r--\) +Uid: \( +0\/ +root\) +Gid: \( +0\/ +wheel\)/);
  assert.match(r.out, /Links: 1\n/);
  assert.match(r.out, /Modify: Mon Jan {2}1 00:00:00 2024\n/);
  check("stat /nope", "stat: /nope: No such file or directory\n", 1);
  assert.match(shc("ln -s x /tmp/l; stat /tmp/l").out, /File: "\/tmp\/l" -> "x"\n.*Symbolic Link/);
});

Deno.test("touch: makes an empty file or sets times to now; -c makes nothing", () => {
  check("cd /tmp; touch a; ls -l a", "-rw-r--r--  1 root  wheel  0 Jan  1 00:00 a\n");
  check("cd /tmp; touch -c a; ls", "");
  check("touch /nope/a", "touch: /nope/a: No such file or directory\n", 1);
});

Deno.test("df: every mount with NetBSD's columns; a path's own file system", () => {
  const r = shc("df; df -k /tmp");
  const lines = r.out.trimEnd().split("\n");
  assert.match(lines[0], /^Filesystem +512-blocks +Used +Avail +%Cap +Mounted on$/);
  assert.ok(lines.some((l) => /^tmpfs +2048 +\d+ +\d+ +\d+% \/tmp$/.test(l)), r.out);
  assert.ok(lines.some((l) => /kernfs .* \/kern$/.test(l)), r.out);
  assert.match(lines.at(-2)!, /^Filesystem +1K-blocks/);
  assert.match(lines.at(-1)!, /^tmpfs +1024 .* \/tmp$/);
  check("df /nope", "df: /nope: No such file or directory\n", 1);
});

Deno.test("mount: lists mounts; -t mounts a file system; umount removes it", () => {
  const r = shc(
    "mkdir /mnt; mount -t tmpfs -o size=65536,mode=700 tmpfs /mnt; mount; ls -ld /mnt; umount /mnt; mount",
  );
  assert.match(r.out, /^tmpfs on \/ type tmpfs \(local\)\n/);
  assert.match(r.out, /tmpfs on \/mnt type tmpfs \(local\)\ndrwx------ .* \/mnt\n/);
  assert.equal(r.out.split("/mnt type").length, 2, "the second listing has no /mnt");
  check("mkdir /m; mount -t nofs /m", "mount: /m: Operation not supported by device\n", 1);
  check("umount /nope", "umount: /nope: No such file or directory\n", 1);
});

Deno.test("dmesg: prints the kernel message buffer", () => {
  const r = shc("dmesg");
  assert.equal(r.status, 0);
  const text = r.kernel.msgbuf.text();
  assert.equal(r.out, text === "" || text.endsWith("\n") ? text : text + "\n");
});

Deno.test("chmod: sets octal modes; a bad mode is refused", () => {
  check(
    "touch /tmp/a; chmod 4750 /tmp/a; ls -l /tmp/a",
    "-rwsr-x---  1 root  wheel  0 Jan  1 00:00 /tmp/a\n",
  );
  check("chmod x /tmp/a", "chmod: invalid file mode: x\n", 1);
});
