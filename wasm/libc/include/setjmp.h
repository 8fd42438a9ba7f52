/*
 * setjmp.h (rumpsim overlay; wasi-libc has none: WebAssembly has no way to jump back up
 * the stack without exception handling) — setjmp and sigsetjmp record nothing and return
 * 0, so code that only guards against an unlikely fault (a SIGBUS on a mapped file) runs;
 * longjmp and siglongjmp, which would need the jump, end the program with a message on
 * stderr and a trap (wasm/libc/setjmp.c), never a wrong return.
 */
#ifndef _RUMPSIM_SETJMP_H
#define _RUMPSIM_SETJMP_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct { int __unused; } jmp_buf[1];
typedef jmp_buf sigjmp_buf;

#define setjmp(env) ((void)(env), 0)
#define _setjmp(env) setjmp(env)
#define sigsetjmp(env, save) ((void)(env), (void)(save), 0)

_Noreturn void longjmp(jmp_buf, int);
_Noreturn void _longjmp(jmp_buf, int);
_Noreturn void siglongjmp(sigjmp_buf, int);

#ifdef __cplusplus
}
#endif

#endif
