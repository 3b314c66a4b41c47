/* Entry points for legacy `wasi_unstable` (preview0) modules where its ABI
 * differs from preview1 (witx: wasi_unstable.witx, preview0-typenames.witx).
 * Each converts its arguments or results and runs the preview1 code; every
 * other preview0 function is the preview1 export itself.  Exported as
 * `wasi_unstable#<name>` (componentize/shim/catalog.py, PREVIEW0_DIFFERS).
 *
 * The differences:
 *   whence       cur 0, end 1, set 2 (preview1: set 0, cur 1, end 2)
 *   filestat     nlink is u32 at 20, so size/atim/mtim/ctim sit 8 bytes
 *                lower (24..56): 56 bytes, not 64
 *   subscription the clock has a u64 `identifier` before its id: 56 bytes,
 *                clock id at 24 (preview1: 48 bytes, id at 16)
 *   rights       there is no sock_accept right (bit 29): fdstat masks it
 * Everything else (errno, filetype, dirent, event, fdstat layout, prestat,
 * flags) is the same. */
#include "shim.h"

#define P0(name) EXPORT("wasi_unstable#" name)

enum { P0_WHENCE_CUR = 0, P0_WHENCE_END = 1, P0_WHENCE_SET = 2 };
enum { P1_WHENCE_SET = 0, P1_WHENCE_CUR = 1, P1_WHENCE_END = 2 };

/* An unknown whence stays out of range, so preview1 answers EINVAL. */
static uint32_t whence_p1(uint32_t whence) {
    switch (whence) {
    case P0_WHENCE_CUR: return P1_WHENCE_CUR;
    case P0_WHENCE_END: return P1_WHENCE_END;
    case P0_WHENCE_SET: return P1_WHENCE_SET;
    default: return whence;
    }
}

P0("fd_seek") int32_t shim_p0_fd_seek(uint32_t fd, int64_t offset, uint32_t whence, uint32_t out) {
    return shim_fd_seek(fd, offset, whence_p1(whence), out);
}

/* The preview0 filestat (56 bytes); nlink saturates rather than wraps. */
static void put_filestat_p0(uint32_t out, const filestat *fs) {
    guest_check(out, 56);
    guest_store_u64(out, fs->dev);
    guest_store_u64(out + 8, fs->ino);
    guest_store_u8(out + 16, fs->filetype);
    guest_store_u32(out + 20, fs->nlink > 0xffffffffull ? 0xffffffffu : (uint32_t)fs->nlink);
    guest_store_u64(out + 24, fs->size);
    guest_store_u64(out + 32, fs->atim);
    guest_store_u64(out + 40, fs->mtim);
    guest_store_u64(out + 48, fs->ctim);
}

P0("fd_filestat_get") int32_t shim_p0_fd_filestat_get(uint32_t fd, uint32_t out) {
    arena_reset();
    filestat fs;
    int32_t err = fd_filestat(fd, &fs);
    if (!err) put_filestat_p0(out, &fs);
    return err;
}

P0("path_filestat_get")
int32_t shim_p0_path_filestat_get(uint32_t fd, uint32_t flags, uint32_t path, uint32_t len, uint32_t out) {
    arena_reset();
    filestat fs;
    int32_t err = path_filestat(fd, flags, path, len, &fs);
    if (!err) put_filestat_p0(out, &fs);
    return err;
}

#define P0_SUB_SIZE 56u
#define P0_CLOCK_AT 24u

P0("poll_oneoff")
int32_t shim_p0_poll_oneoff(uint32_t in, uint32_t out, uint32_t nsubs, uint32_t nevents_out) {
    return poll_oneoff(in, out, nsubs, nevents_out, P0_SUB_SIZE, P0_CLOCK_AT);
}

/* preview0 rights end at sock_shutdown (bit 28). */
#define P0_RIGHTS_MASK 0x1fffffffull

P0("fd_fdstat_get") int32_t shim_p0_fd_fdstat_get(uint32_t fd, uint32_t out) {
    int32_t err = shim_fd_fdstat_get(fd, out);
    if (err) return err;
    guest_store_u64(out + 8, guest_load_u64(out + 8) & P0_RIGHTS_MASK);
    guest_store_u64(out + 16, guest_load_u64(out + 16) & P0_RIGHTS_MASK);
    return ERRNO_SUCCESS;
}
