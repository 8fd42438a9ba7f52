import assert from "node:assert/strict";
import { kernelTcpEnv } from "../../../net/tcp/kernel_env.ts";
import { TcpStack } from "../../../net/tcp/stack.ts";
import { TCPS_SYN_SENT } from "../../../net/tcp/state.ts";
import type { TcpRepr } from "../../../net/wire/tcp.ts";
import { runInKernel } from "../../support/kernel.ts";
import { tcpAbort } from "../../../net/tcp/usrreq.ts";

Deno.test("tcp kernel env: timers are callouts, buffers come from kernel memory", () => {
  const sent: { t: number; seg: TcpRepr }[] = [];
  runInKernel(function* (k) {
    const env = kernelTcpEnv(k, { output: (seg) => sent.push({ t: k.nanotime(), seg }) });
    const stack = new TcpStack(env);
    const before = k.memInUse;
    assert.ok(env.reserve(20_000));
    assert.ok(k.memInUse >= before + 20_000);
    env.release(20_000);
    assert.ok(k.memInUse <= before + 32 * 1024);
    const c = stack.connect(0x0a000001, 0, 0x0a000002, 80);
    assert.equal(c.state, TCPS_SYN_SENT);
    yield* k.sleep(1.5e9);
    tcpAbort(c);
  });
  // The SYN, and its retransmission by the 1 s callout.
  assert.equal(sent.length, 2);
  assert.equal(sent[1].t - sent[0].t, 1e9);
  assert.equal(sent[0].seg.seq, sent[1].seg.seq);
});
