/* Forced-include configuration for building Lua 5.4 for wasm32-wasip1 with wasi-libc, which
 * has no setjmp/longjmp, no processes and no temporary file names. A Lua error therefore ends
 * the process (abort) instead of unwinding to the nearest pcall; the benchmark scripts raise
 * none. */
#define LUAI_THROW(L, c) abort()
#define LUAI_TRY(L, c, a) { a }
#define luai_jmpbuf int
#define l_system(cmd) ((cmd) == NULL ? 0 : -1)
#define LUA_TMPNAMBUFSIZE 32
#define lua_tmpnam(b, e) { (b)[0] = '\0'; e = 1; }
