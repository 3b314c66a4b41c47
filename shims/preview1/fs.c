/* Helpers shared by the filesystem functions: error codes, paths, types. */
#include "shim.h"

/* wasi:filesystem error-code (0..36, in the WIT's order) -> preview1 errno:
 * 2 6 7 8 10 16 19 20 22 25 26 27 28 29 31 32 34 35 37 43 44 46 48 51 54 55
 * 56 58 59 60 61 63 64 69 70 74 75.  They rise with the code, by steps of
 * 1 to 6: 3 bits each, 21 to a constant (no data segments; smaller than a
 * byte table, and only errors take this path). */
NOINLINE int32_t fs_errno(uint32_t code) {
    if (code > 36) return ERRNO_IO;
    uint64_t steps = 0x1c8a28925a2f2262ull;
    uint32_t errno = 0;
    for (uint32_t i = 0; i <= code; i++) {
        if (i == 21) steps = 0x30d2892896d2ull;
        errno += (uint32_t)steps & 7;
        steps >>= 3;
    }
    return (int32_t)errno;
}

int32_t unit_result(uint32_t ret) {
    return load8(ret) != RESULT_OK ? fs_errno(load8(ret + 1)) : ERRNO_SUCCESS;
}

/* Whether `len` bytes at `s` are UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF): a WIT string must be, and native preview1
 * answers EILSEQ for a path that is not.  By the well-formed sequences of
 * the Unicode standard (table 3-7): a lead byte C2-DF, E0-EF or F0-F4, then
 * 1, 2 or 3 continuation bytes (80-BF), the first of them narrower after
 * E0 (A0-BF), ED (80-9F), F0 (90-BF) and F4 (80-8F). */
static int valid_utf8(const uint8_t *s, uint32_t len) {
    for (uint32_t i = 0; i < len;) {
        uint32_t c = s[i++];
        if (c < 0x80) continue;
        if (c < 0xc2 || c > 0xf4) return 0;
        uint32_t n = 1 + (c >= 0xe0) + (c >= 0xf0);
        if (len - i < n) return 0;
        uint32_t lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
        uint32_t hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
        if (s[i] < lo || s[i] > hi) return 0;
        for (; n; n--)
            if ((s[i++] & 0xc0) != 0x80) return 0;
    }
    return 1;
}

/* A guest path copied into the arena (the host reads memory 0), at *out;
 * EILSEQ when it is not UTF-8. */
int32_t guest_path(uint32_t ptr, uint32_t len, uint32_t *out) {
    guest_check(ptr, len);
    void *p = arena_alloc(len, 1);
    guest_copy_in(p, ptr, len);
    if (!valid_utf8(p, len)) return ERRNO_ILSEQ;
    *out = (uint32_t)(uintptr_t)p;
    return ERRNO_SUCCESS;
}

/* The descriptor a path is resolved from: directories and files (the host
 * answers ENOTDIR for those); stdio and closed fds are EBADF. */
int32_t dir_handle(uint32_t fd, uint32_t *handle) {
    fd_entry *e = fd_typed(fd_get_all(fd));
    if (!e || (e->kind != FD_DIR && e->kind != FD_FILE)) return ERRNO_BADF;
    *handle = e->handle;
    return ERRNO_SUCCESS;
}

/* wasi:filesystem descriptor-type -> preview1 filetype: nibble t of one
 * constant (fifo and unknown types are UNKNOWN, 0). */
#define DTYPE(x) WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_##x
#define AS(t, f) ((uint32_t)(f) << 4 * DTYPE(t))
uint32_t filetype_of(uint32_t t) {
    uint32_t table = AS(BLOCK_DEVICE, FILETYPE_BLOCK_DEVICE) |
                     AS(CHARACTER_DEVICE, FILETYPE_CHARACTER_DEVICE) | AS(DIRECTORY, FILETYPE_DIRECTORY) |
                     AS(SYMBOLIC_LINK, FILETYPE_SYMBOLIC_LINK) | AS(REGULAR_FILE, FILETYPE_REGULAR_FILE) |
                     AS(SOCKET, FILETYPE_SOCKET_STREAM);
    return t < 8 ? (table >> t * 4) & 15 : FILETYPE_UNKNOWN;
}
_Static_assert(DTYPE(SOCKET) < 8 && DTYPE(UNKNOWN) == 0, "descriptor-type fits the nibbles");

/* get-type as a preview1 filetype, or -1 - error code (int32: both are small). */
int32_t descriptor_type(uint32_t handle) {
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(
        WASI_FILESYSTEM_TYPES_METHOD_DESCRIPTOR_GET_TYPE_RET_SIZEOF,
        WASI_FILESYSTEM_TYPES_METHOD_DESCRIPTOR_GET_TYPE_RET_ALIGNOF);
    wasi_filesystem_types_method_descriptor_get_type((int32_t)handle, (int32_t)ret);
    if (load8(ret) != RESULT_OK)
        return -(int32_t)load8(ret + WASI_FILESYSTEM_TYPES_METHOD_DESCRIPTOR_GET_TYPE_RET_ERR) - 1;
    return filetype_of(load8(ret + WASI_FILESYSTEM_TYPES_METHOD_DESCRIPTOR_GET_TYPE_RET_OK));
}

#define STAT(x) WASI_FILESYSTEM_TYPES_DESCRIPTOR_STAT_##x
#define TS_SOME 8 /* offset of the datetime in option<datetime> */

static uint64_t timestamp_ns(uint32_t opt) {
    if (load8(opt) == OPTION_NONE) return 0;
    return load64(opt + TS_SOME) * 1000000000ull + load32(opt + TS_SOME + 8);
}

/* wasi:filesystem has no device id; native preview1 reports 1 for every
 * file and directory (and 0 for stdio). */
#define NATIVE_DEV 1u

/* A descriptor-stat (private, at `st`) and an inode as a filestat. */
void filestat_from(filestat *fs, uint32_t st, uint64_t ino) {
    fs->dev = NATIVE_DEV;
    fs->ino = ino;
    fs->filetype = filetype_of(load8(st + STAT(TYPE)));
    fs->nlink = load64(st + STAT(LINK_COUNT));
    fs->size = load64(st + STAT(SIZE));
    fs->atim = timestamp_ns(st + STAT(DATA_ACCESS_TIMESTAMP));
    fs->mtim = timestamp_ns(st + STAT(DATA_MODIFICATION_TIMESTAMP));
    fs->ctim = timestamp_ns(st + STAT(STATUS_CHANGE_TIMESTAMP));
}

/* The preview1 filestat (64 bytes).  Fields only: the padding after
 * filetype is left as it was, as native preview1 leaves it. */
void put_filestat(uint32_t out, const filestat *fs) {
    guest_check(out, 64);
    guest_store_u64(out, fs->dev);
    guest_store_u64(out + 8, fs->ino);
    guest_store_u8(out + 16, fs->filetype);
    guest_store_u64(out + 24, fs->nlink);
    guest_store_u64(out + 32, fs->size);
    guest_store_u64(out + 40, fs->atim);
    guest_store_u64(out + 48, fs->mtim);
    guest_store_u64(out + 56, fs->ctim);
}

/* preview1 fstflags -> the two new-timestamp variants, as flat (tag, s, ns)
 * triples; EINVAL for "set and now" together. */
enum { FST_ATIM = 1, FST_ATIM_NOW = 2, FST_MTIM = 4, FST_MTIM_NOW = 8 };

int32_t new_timestamp(uint64_t ns, uint32_t set, uint32_t now, new_ts *out) {
    if (set && now) return ERRNO_INVAL;
    out->tag = set ? WASI_FILESYSTEM_TYPES_NEW_TIMESTAMP_TIMESTAMP
               : now ? WASI_FILESYSTEM_TYPES_NEW_TIMESTAMP_NOW
                     : WASI_FILESYSTEM_TYPES_NEW_TIMESTAMP_NO_CHANGE;
    out->secs = ns / 1000000000ull;
    out->nanos = (uint32_t)(ns % 1000000000ull);
    return ERRNO_SUCCESS;
}

int32_t new_times(uint64_t atim, uint64_t mtim, uint32_t fst, new_ts *a, new_ts *m) {
    if (new_timestamp(atim, fst & FST_ATIM, fst & FST_ATIM_NOW, a)) return ERRNO_INVAL;
    return new_timestamp(mtim, fst & FST_MTIM, fst & FST_MTIM_NOW, m);
}
