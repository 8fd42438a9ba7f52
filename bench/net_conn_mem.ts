/**
 * net_conn_mem.ts — memory per established TCP connection: guest kernel memory (kmem in
 * use) and host JS heap, as the slope between N and 2N connections open on lo0 (both
 * ends in one kernel: a figure covers a connection's two ends).
 *
 *   deno run -A --v8-flags=--expose-gc bench/net_conn_mem.ts [N]
 */
import { initComponents } from "../kernel/kern/component.ts";
import { AF_INET, SOCK_STREAM } from "../kernel/syscall/api.ts";
import { AppRunner } from "../kernel/syscall/exec.ts";
import { rumpnet, rumpnet_net, rumpnet_netinet } from "../net/netinet_init.ts";
import { runInKernel } from "../tests/support/kernel.ts";

// A process has 128 descriptors: 2N connections take 4N of them.
const N = Number(Deno.args[0] ?? 30);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const result = runInKernel(function* (k) {
  yield* initComponents(k, [rumpnet, rumpnet_net, rumpnet_netinet]);
  let before = { kmem: 0, heap: 0 }, after = { kmem: 0, heap: 0 };
  const app = {
    name: "conns",
    main: function* (sys: import("../kernel/syscall/api.ts").Sys) {
      const l = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(l, { addr: "127.0.0.1", port: 5000 });
      sys.listen(l, 2 * N + 10);
      const fds: number[] = [];
      const open = function* (n: number) {
        for (let i = 0; i < n; i++) {
          const c = sys.socket(AF_INET, SOCK_STREAM, 0);
          yield* sys.connect(c, { addr: "127.0.0.1", port: 5000 });
          fds.push(c, (yield* sys.accept(l)).fd);
        }
      };
      // The slope between N and 2N open connections: what one more connection costs.
      yield* open(N);
      for (let i = 0; i < 5; i++) gc();
      before = { kmem: k.memInUse, heap: Deno.memoryUsage().heapUsed };
      yield* open(N);
      for (let i = 0; i < 5; i++) gc();
      after = { kmem: k.memInUse, heap: Deno.memoryUsage().heapUsed };
      return 0;
    },
  };
  const runner = new AppRunner(k, [app]);
  const status = yield* runner.wait(runner.start("conns"));
  if (status !== 0) throw new Error(`the app failed with status ${status}`);
  return { before, after };
}, { memBytes: 256 * 1024 * 1024 });
if (!result.value) throw new Error(result.console);
const { before, after } = result.value;
console.log(
  `${N} established connections (${2 * N} ends): guest kmem ${
    ((after.kmem - before.kmem) / N).toFixed(0)
  } B ` +
    `per connection, host JS heap ${
      ((after.heap - before.heap) / N / 1024).toFixed(1)
    } KiB per connection`,
);
