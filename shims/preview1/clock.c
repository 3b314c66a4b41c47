/* clock_res_get, clock_time_get */
#include "shim.h"

enum { CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME = 2, CLOCK_THREAD_CPUTIME = 3 };

static uint64_t datetime_ns(uint32_t ret) {
    uint64_t secs = load64(ret + WASI_CLOCKS_WALL_CLOCK_DATETIME_SECONDS);
    uint32_t nanos = load32(ret + WASI_CLOCKS_WALL_CLOCK_DATETIME_NANOSECONDS);
    return secs * 1000000000ull + nanos;
}

/* CPU-time clocks: wasmtime's native preview1 answers EBADF; ids past them
 * are invalid (native traps while decoding the enum; preview1 says EINVAL). */
static int32_t unsupported_clock(uint32_t id) {
    return id == CLOCK_PROCESS_CPUTIME || id == CLOCK_THREAD_CPUTIME ? ERRNO_BADF : ERRNO_INVAL;
}

/* A clock the component was denied (`--deny`): native preview1 always has
 * both, so there is no native answer; ENOTCAPABLE says the clock exists but
 * this module may not read it (EINVAL would say it does not exist). */
static int denied_clock(uint32_t id) {
    return !granted(id == CLOCK_REALTIME ? CAP_WALL_CLOCK : CAP_MONOTONIC_CLOCK);
}

EXPORT("clock_res_get") int32_t shim_clock_res_get(uint32_t id, uint32_t out) {
    arena_reset();
    uint64_t res;
    if (id <= CLOCK_MONOTONIC && denied_clock(id)) return ERRNO_NOTCAPABLE;
    if (id == CLOCK_REALTIME) {
        uint8_t *ret = arena_alloc(WASI_CLOCKS_WALL_CLOCK_RESOLUTION_RET_SIZEOF,
                                   WASI_CLOCKS_WALL_CLOCK_RESOLUTION_RET_ALIGNOF);
        wasi_clocks_wall_clock_resolution((int32_t)(uintptr_t)ret);
        res = datetime_ns((uint32_t)(uintptr_t)ret);
    } else if (id == CLOCK_MONOTONIC) {
        res = (uint64_t)wasi_clocks_monotonic_clock_resolution();
    } else {
        return unsupported_clock(id);
    }
    guest_store_u64(out, res);
    return ERRNO_SUCCESS;
}

EXPORT("clock_time_get")
int32_t shim_clock_time_get(uint32_t id, uint64_t precision, uint32_t out) {
    (void)precision;
    arena_reset();
    uint64_t now;
    if (id <= CLOCK_MONOTONIC && denied_clock(id)) return ERRNO_NOTCAPABLE;
    if (id == CLOCK_REALTIME) {
        uint8_t *ret = arena_alloc(WASI_CLOCKS_WALL_CLOCK_NOW_RET_SIZEOF,
                                   WASI_CLOCKS_WALL_CLOCK_NOW_RET_ALIGNOF);
        wasi_clocks_wall_clock_now((int32_t)(uintptr_t)ret);
        now = datetime_ns((uint32_t)(uintptr_t)ret);
    } else if (id == CLOCK_MONOTONIC) {
        now = (uint64_t)wasi_clocks_monotonic_clock_now();
    } else {
        return unsupported_clock(id);
    }
    guest_store_u64(out, now);
    return ERRNO_SUCCESS;
}
