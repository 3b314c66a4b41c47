/* poll_oneoff: clocks become monotonic-clock pollables (realtime absolute
 * deadlines are converted against the wall clock), stdio reads and writes
 * become stream pollables; files are always ready.  As native: a closed fd
 * a directory, or stdio the wrong way round fails the whole call with EBADF, and ready fd events say
 * nbytes = 1.  When something is ready at once, nothing blocks. */
#include "shim.h"

#define SUB_SIZE 48u
#define EVENT_SIZE 32u
enum { EV_CLOCK = 0, EV_FD_READ = 1, EV_FD_WRITE = 2 };
enum { CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, SUBCLOCK_ABSTIME = 1 };
#define READY_NBYTES 1u

static void put_event(uint32_t out, uint32_t *n, uint64_t userdata, uint32_t error, uint32_t type,
                      uint64_t nbytes) {
    uint32_t ev = out + *n * EVENT_SIZE;
    guest_store_u64(ev, userdata);
    guest_store_u16(ev + 8, error);
    guest_store_u8(ev + 10, type);
    guest_store_u64(ev + 16, nbytes);
    guest_store_u64(ev + 24, 0); /* flags and padding */
    (*n)++;
}

static uint64_t wall_now_ns(void) {
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(WASI_CLOCKS_WALL_CLOCK_NOW_RET_SIZEOF, 8);
    wasi_clocks_wall_clock_now((int32_t)ret);
    return load64(ret + WASI_CLOCKS_WALL_CLOCK_DATETIME_SECONDS) * 1000000000ull +
           load32(ret + WASI_CLOCKS_WALL_CLOCK_DATETIME_NANOSECONDS);
}

static int32_t clock_pollable(uint32_t sub, uint32_t *p) {
    uint32_t id = guest_load_u32(sub + 16);
    uint64_t timeout = guest_load_u64(sub + 24);
    uint32_t abs = guest_load_u16(sub + 40) & SUBCLOCK_ABSTIME;
    if (id == CLOCK_MONOTONIC) {
        *p = (uint32_t)(abs ? wasi_clocks_monotonic_clock_subscribe_instant((int64_t)timeout)
                            : wasi_clocks_monotonic_clock_subscribe_duration((int64_t)timeout));
        return ERRNO_SUCCESS;
    }
    if (id != CLOCK_REALTIME) return ERRNO_INVAL;
    if (abs) {
        uint64_t now = wall_now_ns();
        timeout = timeout > now ? timeout - now : 0;
    }
    *p = (uint32_t)wasi_clocks_monotonic_clock_subscribe_duration((int64_t)timeout);
    return ERRNO_SUCCESS;
}

EXPORT("poll_oneoff")
int32_t shim_poll_oneoff(uint32_t in, uint32_t out, uint32_t nsubs, uint32_t nevents_out) {
    arena_reset();
    if (nsubs == 0) return ERRNO_INVAL;
    guest_check(in, (uint64_t)nsubs * SUB_SIZE);
    guest_check(out, (uint64_t)nsubs * EVENT_SIZE);
    uint32_t *pollables = arena_alloc(nsubs * 4, 4);
    uint32_t *which = arena_alloc(nsubs * 4, 4);
    uint32_t np = 0, nev = 0;
    for (uint32_t i = 0; i < nsubs; i++) { /* first the fds, so failing leaks nothing */
        uint32_t sub = in + i * SUB_SIZE, type = guest_load_u8(sub + 8);
        if (type != EV_FD_READ && type != EV_FD_WRITE) continue;
        fd_entry *e = fd_get(guest_load_u32(sub + 16));
        if (!e || e->kind == FD_DIR) return ERRNO_BADF;
        if (e->kind == FD_STDIN ? type == EV_FD_WRITE : e->kind != FD_FILE && type == EV_FD_READ)
            return ERRNO_BADF; /* stdio the wrong way round */
    }
    for (uint32_t i = 0; i < nsubs; i++) {
        uint32_t sub = in + i * SUB_SIZE;
        uint64_t userdata = guest_load_u64(sub);
        uint32_t type = guest_load_u8(sub + 8), p = 0;
        int32_t err = ERRNO_SUCCESS;
        if (type == EV_CLOCK) {
            err = clock_pollable(sub, &p);
        } else if (type == EV_FD_READ || type == EV_FD_WRITE) {
            fd_entry *e = fd_get(guest_load_u32(sub + 16));
            if (e && e->kind == FD_FILE) {
                put_event(out, &nev, userdata, 0, type, READY_NBYTES);
                continue;
            }
            if (e && type == EV_FD_READ && e->kind == FD_STDIN)
                p = (uint32_t)wasi_io_streams_method_input_stream_subscribe((int32_t)stdin_stream(e));
            else if (e && type == EV_FD_WRITE && (e->kind == FD_STDOUT || e->kind == FD_STDERR))
                p = (uint32_t)wasi_io_streams_method_output_stream_subscribe((int32_t)output_stream(e));
            else
                err = ERRNO_BADF;
        } else {
            err = ERRNO_INVAL;
        }
        if (err) {
            put_event(out, &nev, userdata, (uint32_t)err, type, 0);
            continue;
        }
        pollables[np] = p;
        which[np++] = i;
    }
    if (nev == 0 && np) {
        uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(WASI_IO_POLL_POLL_RET_SIZEOF, 4);
        wasi_io_poll_poll((int32_t)(uintptr_t)pollables, (int32_t)np, (int32_t)ret);
        uint32_t list = load32(ret + WASI_IO_POLL_POLL_RET_PTR), n = load32(ret + WASI_IO_POLL_POLL_RET_LEN);
        for (uint32_t k = 0; k < n; k++) {
            uint32_t idx = load32(list + k * 4);
            if (idx >= np) trap();
            uint32_t sub = in + which[idx] * SUB_SIZE;
            uint32_t type = guest_load_u8(sub + 8);
            put_event(out, &nev, guest_load_u64(sub), 0, type, type == EV_CLOCK ? 0 : READY_NBYTES);
        }
    } else {
        for (uint32_t k = 0; k < np; k++) {
            if (!wasi_io_poll_method_pollable_ready((int32_t)pollables[k])) continue;
            uint32_t sub = in + which[k] * SUB_SIZE;
            uint32_t type = guest_load_u8(sub + 8);
            put_event(out, &nev, guest_load_u64(sub), 0, type, type == EV_CLOCK ? 0 : READY_NBYTES);
        }
    }
    for (uint32_t k = 0; k < np; k++) wasi_io_poll_resource_drop_pollable((int32_t)pollables[k]);
    guest_store_u32(nevents_out, nev);
    return ERRNO_SUCCESS;
}
