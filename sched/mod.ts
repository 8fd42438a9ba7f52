/**
 * sched/ — fibers on generators, a virtual clock and the event loop the machine runs in.
 *
 * sched/ imports nothing else of the project.
 */
export * from "./clock.ts";
export * from "./events.ts";
export * from "./fiber.ts";
export * from "./heap.ts";
export * from "./deque.ts";
export * from "./scheduler.ts";
export * from "./mutex.ts";
export * from "./rwlock.ts";
export * from "./condvar.ts";
export * from "./prng.ts";
export * from "./trace.ts";
export * from "./host_work.ts";
