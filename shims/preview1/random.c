/* random_get */
#include "shim.h"

/* Bytes are fetched in bounded chunks so a huge request does not need a
 * private arena as large as itself. */
#define RANDOM_CHUNK 65536u

EXPORT("random_get") int32_t shim_random_get(uint32_t buf, uint32_t len) {
    guest_check(buf, len);
    /* denied (`--deny`): native always has randomness, so no native answer;
     * ENOTCAPABLE, as for a denied clock */
    if (!granted(CAP_RANDOM)) return ERRNO_NOTCAPABLE;
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
