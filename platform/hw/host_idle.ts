/**
 * host_idle.ts — the simulated PC's idle policy when host I/O shares its scheduler (the
 * user netdev's gateway kernel, hostfwd): hwIdle's "arm the PIT one-shot and halt", where
 * the halt also ends when host work was posted.
 *
 * The machine owns the clock (realtime), the HostWaiter and this policy; a hosted kernel
 * on the same scheduler gets the `HostWork` built here, whose kicks wake the halted CPU.
 * Each halt: deliver a pending interrupt, run posted host work, run due events; if none of
 * those made anything runnable, await the waiter until the next event (the PIT's one-shot
 * among them) or a kick. "Nothing can ever happen" needs no event and no open host source.
 *
 * Rules: host work runs only here, in the event loop's context, never in a fiber.
 */
import { type Machine, PIT_MAX_COUNT } from "../../arch/machine.ts";
import { PIT_CONTROL, PIT_HZ, PIT_PORT_BASE } from "../../arch/pit.ts";
import type { IdlePolicy } from "../../sched/mod.ts";
import { HostWork } from "../../sched/host_work.ts";

const hostWork = new WeakMap<Machine, HostWork>();

/**
 * The machine's one host work queue (kicks its HostWaiter): every host source of a machine
 * (the user network, a tap, sysproxy, console input) posts to the same queue, which the
 * idle policy drains. The machine must be realtime.
 */
export function machineHostWork(m: Machine): HostWork {
  if (!m.waiter) throw new Error("host I/O needs a machine in realtime mode");
  let w = hostWork.get(m);
  if (!w) hostWork.set(m, w = new HostWork(m.waiter));
  return w;
}

/** hwIdle, also woken by host work. */
export function hostIdle(m: Machine, work: HostWork): IdlePolicy {
  const { bus, cpu } = m;
  const waiter = m.waiter!;
  const ready = (): boolean => {
    if (cpu.deliver()) return true;
    if (work.runPending()) return true;
    const { clock, events } = m.sched;
    // An event may have raised an IRQ or woken a fiber directly: either way, go round.
    return events.runDue(clock.now()) > 0;
  };
  return {
    idle(s, deadline) {
      if (deadline !== Infinity) {
        const ns = Math.max(0, deadline - s.clock.now());
        const count = Math.max(1, Math.min(PIT_MAX_COUNT, Math.ceil((ns * PIT_HZ) / 1e9)));
        bus.outb(PIT_CONTROL, 0x38); // channel 0, LSB then MSB, mode 4 (one-shot), binary
        bus.outb(PIT_PORT_BASE, count & 0xff);
        bus.outb(PIT_PORT_BASE, (count >> 8) & 0xff);
      }
      cpu.halts++;
      if (ready()) return true;
      return (async () => {
        while (m.halted === null && s.halted === null) {
          const next = s.events.nextAt();
          if (next === Infinity && waiter.hostSources === 0 && !work.pending) return false;
          await waiter.wait(next);
          if (ready()) return true;
        }
        return false;
      })();
    },
  };
}
