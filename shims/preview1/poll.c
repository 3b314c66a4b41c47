/* poll_oneoff: clocks become monotonic-clock pollables (realtime absolute
 * deadlines are converted against the wall clock), stdio reads and writes
 * become stream pollables; files are always ready.  As native, ready fd
 * events say nbytes = 1, and a bad subscription fails the whole call
 * (check_subscription).  When something is ready at once, nothing blocks. */
#include "shim.h"

/* preview1 subscription: userdata u64, tag u8, then the clock (id at 16)
 * or the fd (at 16); 48 bytes.  preview0's clock has an extra u64
 * `identifier` first (id at 24), making it 56 bytes: poll_oneoff takes both
 * as parameters.  Events are the same in both (32 bytes). */
#define SUB_SIZE 48u
#define CLOCK_AT 16u
#define FD_AT 16u
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
    guest_store_u16(ev + 24, 0); /* flags; padding left as it was, as native does */
    (*n)++;
}

static uint64_t wall_now_ns(void) {
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(WASI_CLOCKS_WALL_CLOCK_NOW_RET_SIZEOF, 8);
    wasi_clocks_wall_clock_now((int32_t)ret);
    return load64(ret + WASI_CLOCKS_WALL_CLOCK_DATETIME_SECONDS) * 1000000000ull +
           load32(ret + WASI_CLOCKS_WALL_CLOCK_DATETIME_NANOSECONDS);
}

/* `clock`: the subscription's clock id (realtime or monotonic, checked),
 * then timeout at +8, flags at +24 */
static uint32_t clock_pollable(uint32_t clock) {
    uint32_t id = guest_load_u32(clock);
    uint64_t timeout = guest_load_u64(clock + 8);
    uint32_t abs = guest_load_u16(clock + 24) & SUBCLOCK_ABSTIME;
    if (id == CLOCK_MONOTONIC)
        return (uint32_t)(abs ? wasi_clocks_monotonic_clock_subscribe_instant((int64_t)timeout)
                              : wasi_clocks_monotonic_clock_subscribe_duration((int64_t)timeout));
    if (abs) {
        uint64_t now = wall_now_ns();
        timeout = timeout > now ? timeout - now : 0;
    }
    return (uint32_t)wasi_clocks_monotonic_clock_subscribe_duration((int64_t)timeout);
}

/* As native: the first bad subscription fails the whole call, EINVAL for an
 * unknown type or a clock other than realtime and monotonic, EBADF for a
 * closed fd, a directory, or stdio the wrong way round; ENOTCAPABLE for a
 * clock the component was denied. */
static int32_t check_subscription(uint32_t sub, uint32_t clock_at) {
    uint32_t type = guest_load_u8(sub + 8);
    if (type == EV_CLOCK) {
        uint32_t id = guest_load_u32(sub + clock_at);
        if (id != CLOCK_REALTIME && id != CLOCK_MONOTONIC) return ERRNO_INVAL;
        /* every timeout is a monotonic-clock pollable; an absolute realtime
         * one also reads the wall clock (`--deny`) */
        uint32_t abs_realtime = id == CLOCK_REALTIME && (guest_load_u16(sub + clock_at + 24) & SUBCLOCK_ABSTIME);
        if (!granted(CAP_MONOTONIC_CLOCK) || (abs_realtime && !granted(CAP_WALL_CLOCK)))
            return ERRNO_NOTCAPABLE;
        return ERRNO_SUCCESS;
    }
    if (type != EV_FD_READ && type != EV_FD_WRITE) return ERRNO_INVAL;
    fd_entry *e = fd_typed(fd_get(guest_load_u32(sub + FD_AT)));
    if (!e || e->kind == FD_DIR) return ERRNO_BADF;
    if (e->kind == FD_STDIN ? type == EV_FD_WRITE : e->kind != FD_FILE && type == EV_FD_READ)
        return ERRNO_BADF;
    return ERRNO_SUCCESS;
}

int32_t poll_oneoff(uint32_t in, uint32_t out, uint32_t nsubs, uint32_t nevents_out,
                    uint32_t sub_size, uint32_t clock_at) {
    arena_reset();
    if (nsubs == 0) return ERRNO_INVAL;
    guest_check(in, (uint64_t)nsubs * sub_size);
    guest_check(out, (uint64_t)nsubs * EVENT_SIZE);
    for (uint32_t i = 0; i < nsubs; i++) { /* first, so that failing leaks nothing */
        int32_t err = check_subscription(in + i * sub_size, clock_at);
        if (err) return err;
    }
    uint32_t *pollables = arena_alloc(nsubs * 4, 4);
    uint32_t *which = arena_alloc(nsubs * 4, 4);
    uint32_t np = 0, nev = 0;
    for (uint32_t i = 0; i < nsubs; i++) {
        uint32_t sub = in + i * sub_size;
        uint32_t type = guest_load_u8(sub + 8), p;
        if (type == EV_CLOCK) {
            p = clock_pollable(sub + clock_at);
        } else {
            fd_entry *e = fd_get(guest_load_u32(sub + FD_AT));
            if (e->kind == FD_FILE) { /* files are always ready */
                put_event(out, &nev, guest_load_u64(sub), 0, type, READY_NBYTES);
                continue;
            }
            if (type == EV_FD_READ)
                p = (uint32_t)wasi_io_streams_method_input_stream_subscribe((int32_t)stdin_stream(e));
            else
                p = (uint32_t)wasi_io_streams_method_output_stream_subscribe((int32_t)output_stream(e));
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
            uint32_t sub = in + which[idx] * sub_size;
            uint32_t type = guest_load_u8(sub + 8);
            put_event(out, &nev, guest_load_u64(sub), 0, type, type == EV_CLOCK ? 0 : READY_NBYTES);
        }
    } else {
        for (uint32_t k = 0; k < np; k++) {
            if (!wasi_io_poll_method_pollable_ready((int32_t)pollables[k])) continue;
            uint32_t sub = in + which[k] * sub_size;
            uint32_t type = guest_load_u8(sub + 8);
            put_event(out, &nev, guest_load_u64(sub), 0, type, type == EV_CLOCK ? 0 : READY_NBYTES);
        }
    }
    for (uint32_t k = 0; k < np; k++) wasi_io_poll_resource_drop_pollable((int32_t)pollables[k]);
    guest_store_u32(nevents_out, nev);
    return ERRNO_SUCCESS;
}

EXPORT("poll_oneoff")
int32_t shim_poll_oneoff(uint32_t in, uint32_t out, uint32_t nsubs, uint32_t nevents_out) {
    return poll_oneoff(in, out, nsubs, nevents_out, SUB_SIZE, CLOCK_AT);
}
