/* random_get */
#include "shim.h"

/* Bytes are fetched in bounded chunks so a huge request does not need a
 * private arena as large as itself. */
#define RANDOM_CHUNK 65536u
/* Up to this many bytes come from get-random-u64 calls: one returning a u64
 * costs the host no allocation and no call back into cabi_realloc.  On
 * wasmtime two of them cost a third of one get-random-bytes(16) (50,000
 * random_get(16): 1.7x native -> 1.1x); under jco, where every host call
 * costs the same, two cost 1.5x one (one u64 for 8 bytes: even).  16 bytes
 * are the common request (Rust's hash keys, UUIDs), so up to two. */
#define RANDOM_BY_U64 16u

/* `len` (<= RANDOM_BY_U64) bytes stored straight into the guest's buffer. */
static void random_small(uint32_t buf, uint32_t len) {
    for (; len >= 8; buf += 8, len -= 8)
        guest_store_u64(buf, (uint64_t)wasi_random_random_get_random_u64());
    if (!len) return;
    uint64_t last = (uint64_t)wasi_random_random_get_random_u64();
    for (; len; buf++, len--, last >>= 8) guest_store_u8(buf, (uint32_t)last & 0xff);
}

static int32_t random_large(uint32_t buf, uint32_t len) {
    while (len) {
        arena_reset();
        uint32_t n = len < RANDOM_CHUNK ? len : RANDOM_CHUNK;
        uint8_t *ret = arena_alloc(WASI_RANDOM_RANDOM_GET_RANDOM_BYTES_RET_SIZEOF,
                                   WASI_RANDOM_RANDOM_GET_RANDOM_BYTES_RET_ALIGNOF);
        wasi_random_random_get_random_bytes((int64_t)n, (int32_t)(uintptr_t)ret);
        uint32_t got = load32((uint32_t)(uintptr_t)ret + WASI_RANDOM_RANDOM_GET_RANDOM_BYTES_RET_LEN);
        uint32_t ptr = load32((uint32_t)(uintptr_t)ret + WASI_RANDOM_RANDOM_GET_RANDOM_BYTES_RET_PTR);
        if (got > n) got = n;
        if (got == 0) return ERRNO_IO;
        guest_copy_out(buf, (const void *)(uintptr_t)ptr, got);
        buf += got;
        len -= got;
    }
    return ERRNO_SUCCESS;
}

EXPORT("random_get") int32_t shim_random_get(uint32_t buf, uint32_t len) {
    guest_check(buf, len);
    /* denied (`--deny`): native always has randomness, so no native answer;
     * ENOTCAPABLE, as for a denied clock */
    if (!granted(CAP_RANDOM)) return ERRNO_NOTCAPABLE;
    if (len > RANDOM_BY_U64) return random_large(buf, len);
    random_small(buf, len);
    return ERRNO_SUCCESS;
}
