/* proc_exit (two variants), sched_yield, run */
#include "shim.h"

/* Named so a trap backtrace says why (wasi:cli/exit takes a u8); `componentize
 * run` prints names ending in `_is_not_supported` with the trap. */
static NOINLINE __attribute__((noreturn)) void proc_exit_code_above_255_is_not_supported(void) {
    trap();
}

/* WASI 0.2.12+: the exit code is kept. */
EXPORT("proc_exit") void shim_proc_exit(uint32_t code) {
    if (code > 255) proc_exit_code_above_255_is_not_supported();
    wasi_cli_exit_exit_with_code((int32_t)code);
    trap();
}

/* Before 0.2.12: only success or failure can be reported. */
EXPORT("proc_exit_ok_err") void shim_proc_exit_ok_err(uint32_t code) {
    if (code > 255) proc_exit_code_above_255_is_not_supported();
    wasi_cli_exit_exit(code == 0 ? RESULT_OK : RESULT_ERR);
    trap();
}

/* Native preview1 yields the thread and returns success; a component has
 * no other thread to yield to. */
EXPORT("sched_yield") int32_t shim_sched_yield(void) { return ERRNO_SUCCESS; }

/* wasi:cli/run.run for commands: calls the guest's _start. */
EXPORT("run") int32_t shim_run(void) {
    arena_reset();
    guest_call_start();
    return 0; /* result::ok */
}
