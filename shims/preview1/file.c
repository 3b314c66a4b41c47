/* Files: fd_read/fd_write/fd_seek on files (reached from fd.c only when the
 * module can open files), fd_pread, fd_pwrite, fd_filestat_*, fd_advise,
 * fd_allocate, fd_sync, fd_datasync. */
#include "shim.h"

#define D(x) WASI_FILESYSTEM_TYPES_METHOD_DESCRIPTOR_##x
/* one host call moves at most this much, so the arena stays small */
#define IO_CHUNK 65536u

static fd_entry *file_get(uint32_t fd) {
    fd_entry *e = fd_typed(fd_get(fd));
    return e && e->kind == FD_FILE ? e : 0;
}

/* A read on an entry path_open left untyped (a file or a directory) is
 * tried as on a file: bytes read prove a file; an error or nothing read asks
 * the type, and a directory answers EBADF, as natively. */
static int32_t after_untyped_read(fd_entry *e, int32_t err, uint32_t total) {
    if (!err && total) {
        e->untyped = 0;
        return err;
    }
    weak_path_open__resolve_type(e);
    return e->kind == FD_DIR ? ERRNO_BADF : err;
}

/* The file size, for append mode and SEEK_END, or -errno (a size is below
 * 2^63: off_t is signed).  Results, not out-parameters: no stack frames. */
static int64_t file_size(uint32_t handle) {
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(D(STAT_RET_SIZEOF), D(STAT_RET_ALIGNOF));
    wasi_filesystem_types_method_descriptor_stat((int32_t)handle, (int32_t)ret);
    if (load8(ret) != RESULT_OK) return -fs_errno(load8(ret + D(STAT_RET_ERR)));
    return (int64_t)load64(ret + D(STAT_RET_OK_SIZE));
}

/* Write every iovec at `off`; a short host write is continued.  The bytes
 * written (a u32), or -errno. */
static int64_t write_at(uint32_t handle, uint32_t iovs, uint32_t n, uint64_t off) {
    uint32_t mark = STATE->arena_ptr, total = 0;
    for (uint32_t v = iovs, end = iovs + n * 8; v != end; v += 8) { /* (checked: no wrap) */
        uint32_t ptr = guest_load_u32(v), len = guest_load_u32(v + 4);
        while (len) {
            STATE->arena_ptr = mark;
            uint32_t want = len < IO_CHUNK ? len : IO_CHUNK;
            void *chunk = arena_alloc(want, 1);
            guest_copy_in(chunk, ptr, want);
            uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(D(WRITE_RET_SIZEOF), D(WRITE_RET_ALIGNOF));
            wasi_filesystem_types_method_descriptor_write((int32_t)handle, (int32_t)(uintptr_t)chunk,
                                                          (int32_t)want, (int64_t)off, (int32_t)ret);
            if (load8(ret) != RESULT_OK)
                return total ? total : -fs_errno(load8(ret + D(WRITE_RET_ERR)));
            uint64_t got = load64(ret + D(WRITE_RET_OK));
            if (got == 0 || got > want) return total ? total : -ERRNO_IO;
            total += (uint32_t)got;
            off += got;
            ptr += (uint32_t)got;
            len -= (uint32_t)got;
        }
    }
    return total;
}

__attribute__((import_module("wasi:filesystem/types@0.2.12"), import_name("[method]descriptor.read#guest")))
void read_into_guest(int32_t handle, int64_t len, int64_t off, int32_t ret);

#define DIRECT_MIN 256u
#define REC 16u
/* Read straight into the guest's buffer: -1 when there is no room for the result record. */
static int64_t read_direct(uint32_t handle, uint32_t ptr, uint32_t want, uint64_t off) {
    uint32_t rec = (ptr + want + 3) & ~3u;
    if (rec < ptr || !guest_range_ok(rec, REC)) {
        if (ptr < REC + 4) return -1;
        rec = (ptr - REC) & ~3u;
    }
    uint8_t saved[REC];
    guest_copy_in(saved, rec, REC);
    STATE->direct_dst = ptr;
    STATE->direct_cap = want;
    read_into_guest((int32_t)handle, (int64_t)want, (int64_t)off, (int32_t)rec);
    STATE->direct_cap = 0;
    uint32_t tag = guest_load_u8(rec), code = guest_load_u8(rec + 4), got = guest_load_u32(rec + 8);
    uint32_t at = guest_load_u32(rec + 4);
    guest_copy_out(rec, saved, REC);
    if (tag == RESULT_ERR) return -2 - (int64_t)code;
    if (got > want || (got && at != ptr)) trap();
    return got;
}

/* Read into the iovecs from `off` until one comes back short. */
static int32_t read_at(uint32_t handle, uint32_t iovs, uint32_t n, uint64_t off, uint32_t *total) {
    uint32_t mark = STATE->arena_ptr;
    *total = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t ptr = guest_load_u32(iovs + i * 8), len = guest_load_u32(iovs + i * 8 + 4);
        while (len) {
            STATE->arena_ptr = mark;
            uint32_t want = len < IO_CHUNK ? len : IO_CHUNK;
            int64_t d = want >= DIRECT_MIN ? read_direct(handle, ptr, want, off) : -1;
            if (d <= -2) return *total ? ERRNO_SUCCESS : fs_errno((uint32_t)(-d - 2));
            if (d >= 0) {
                uint32_t got = (uint32_t)d;
                *total += got;
                if (got < want) return ERRNO_SUCCESS;
                off += got;
                ptr += got;
                len -= got;
                continue;
            }
            uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(D(READ_RET_SIZEOF), D(READ_RET_ALIGNOF));
            wasi_filesystem_types_method_descriptor_read((int32_t)handle, (int64_t)want, (int64_t)off,
                                                         (int32_t)ret);
            if (load8(ret) != RESULT_OK)
                return *total ? ERRNO_SUCCESS : fs_errno(load8(ret + D(READ_RET_ERR)));
            uint32_t got = load32(ret + D(READ_RET_OK_F0_LEN));
            if (got > want) trap(); /* a host bug: never write past the iovec */
            guest_copy_out(ptr, (const void *)(uintptr_t)load32(ret + D(READ_RET_OK_F0_PTR)), got);
            *total += got;
            if (got < want) return ERRNO_SUCCESS;
            off += got;
            ptr += got;
            len -= got;
        }
    }
    return ERRNO_SUCCESS;
}

/* fd_write (`seek`: the file position moves past what was written) and
 * fd_pwrite on a file: at `off`, or at the end of the file in append mode
 * (pwrite too, as native preview1 does). */
NOINLINE int32_t weak_path_open__file_write(fd_entry *e, uint32_t iovs, uint32_t n, uint64_t off, uint32_t out,
                                           int seek) {
    if (!(e->access & ACCESS_WRITE)) return ERRNO_BADF;
    check_iovecs(iovs, n);
    if (e->fdflags & FDFLAGS_APPEND) {
        int64_t size = file_size(e->handle);
        if (size < 0) return (int32_t)-size;
        off = (uint64_t)size;
    }
    int64_t total = write_at(e->handle, iovs, n, off);
    if (total < 0) return (int32_t)-total;
    if (seek) e->offset = off + (uint64_t)total;
    guest_store_u32(out, (uint32_t)total);
    return ERRNO_SUCCESS;
}

NOINLINE int32_t weak_path_open__file_read(fd_entry *e, uint32_t iovs, uint32_t n, uint32_t out) {
    if (!(e->access & ACCESS_READ)) return ERRNO_BADF;
    check_iovecs(iovs, n);
    uint32_t total;
    int32_t err = read_at(e->handle, iovs, n, e->offset, &total);
    if (e->untyped) err = after_untyped_read(e, err, total);
    if (err) return err;
    e->offset += total;
    guest_store_u32(out, total);
    return ERRNO_SUCCESS;
}

/* whence: preview1 numbering (set 0, cur 1, end 2) */
NOINLINE int32_t weak_path_open__file_seek(fd_entry *e, int64_t offset, uint32_t whence, uint32_t out) {
    uint64_t base = 0;
    if (whence == 1) base = e->offset;
    else if (whence == 2) {
        int64_t size = file_size(e->handle);
        if (size < 0) return (int32_t)-size;
        base = (uint64_t)size;
    }
    int64_t pos = (int64_t)base + offset;
    if ((offset < 0 && pos > (int64_t)base) || pos < 0) return ERRNO_INVAL;
    e->offset = (uint64_t)pos;
    guest_store_u64(out, e->offset);
    return ERRNO_SUCCESS;
}

/* Positioned I/O on stdio: ESPIPE in the stream's own direction, else EBADF. */
static int32_t stdio_positioned(uint32_t fd, uint32_t writing) {
    fd_entry *e = fd_get(fd);
    if (!e) return ERRNO_BADF;
    if (e->kind == FD_STDIN) return writing ? ERRNO_BADF : ERRNO_SPIPE;
    if (e->kind == FD_STDOUT || e->kind == FD_STDERR) return writing ? ERRNO_SPIPE : ERRNO_BADF;
    return ERRNO_BADF;
}

EXPORT("fd_pread")
int32_t shim_fd_pread(uint32_t fd, uint32_t iovs, uint32_t n, uint64_t offset, uint32_t out) {
    arena_reset();
    fd_entry *e = fd_get(fd);
    if (!e || e->kind != FD_FILE) return stdio_positioned(fd, 0);
    if (!(e->access & ACCESS_READ)) return ERRNO_BADF;
    check_iovecs(iovs, n);
    uint32_t total;
    int32_t err = read_at(e->handle, iovs, n, offset, &total);
    if (e->untyped) err = after_untyped_read(e, err, total);
    if (!err) guest_store_u32(out, total);
    return err;
}

EXPORT("fd_pwrite")
int32_t shim_fd_pwrite(uint32_t fd, uint32_t iovs, uint32_t n, uint64_t offset, uint32_t out) {
    arena_reset();
    fd_entry *e = file_get(fd);
    if (!e) return stdio_positioned(fd, 1);
    return weak_path_open__file_write(e, iovs, n, offset, out, 0);
}

EXPORT("fd_advise")
int32_t shim_fd_advise(uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice) {
    arena_reset();
    fd_entry *e = file_get(fd);
    if (!e) return ERRNO_BADF;
    if (advice > WASI_FILESYSTEM_TYPES_ADVICE_NO_REUSE) return ERRNO_INVAL;
    uint32_t ret = unit_ret();
    wasi_filesystem_types_method_descriptor_advise((int32_t)e->handle, (int64_t)offset, (int64_t)len,
                                                   (int32_t)advice, (int32_t)ret);
    return unit_result(ret);
}

/* Native preview1 does not implement allocation on files either. */
EXPORT("fd_allocate") int32_t shim_fd_allocate(uint32_t fd, uint64_t offset, uint64_t len) {
    (void)offset;
    (void)len;
    arena_reset();
    return file_get(fd) ? ERRNO_NOTSUP : ERRNO_BADF;
}

EXPORT("fd_datasync") int32_t shim_fd_datasync(uint32_t fd) {
    arena_reset();
    fd_entry *e = file_get(fd);
    if (!e) return ERRNO_BADF;
    uint32_t ret = unit_ret();
    wasi_filesystem_types_method_descriptor_sync_data((int32_t)e->handle, (int32_t)ret);
    return unit_result(ret);
}

EXPORT("fd_sync") int32_t shim_fd_sync(uint32_t fd) {
    arena_reset();
    fd_entry *e = file_get(fd);
    if (!e) return ERRNO_BADF;
    uint32_t ret = unit_ret();
    wasi_filesystem_types_method_descriptor_sync((int32_t)e->handle, (int32_t)ret);
    return unit_result(ret);
}

EXPORT("fd_filestat_set_size") int32_t shim_fd_filestat_set_size(uint32_t fd, uint64_t size) {
    arena_reset();
    fd_entry *e = file_get(fd);
    if (!e) return ERRNO_BADF;
    if (!(e->access & ACCESS_WRITE)) return ERRNO_INVAL;
    uint32_t ret = unit_ret();
    wasi_filesystem_types_method_descriptor_set_size((int32_t)e->handle, (int64_t)size, (int32_t)ret);
    return unit_result(ret);
}

EXPORT("fd_filestat_set_times")
int32_t shim_fd_filestat_set_times(uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t fst) {
    arena_reset();
    /* typed: a directory is reopened with mutate-directory, which hosts may
     * ask of a directory whose times are set */
    fd_entry *e = fd_typed(fd_get_all(fd));
    if (!e || (e->kind != FD_FILE && e->kind != FD_DIR)) return ERRNO_BADF;
    new_ts a, m;
    if (new_times(atim, mtim, fst, &a, &m)) return ERRNO_INVAL;
    uint32_t ret = unit_ret();
    wasi_filesystem_types_method_descriptor_set_times(
        (int32_t)e->handle, (int32_t)a.tag, (int64_t)a.secs, (int32_t)a.nanos, (int32_t)m.tag,
        (int64_t)m.secs, (int32_t)m.nanos, (int32_t)ret);
    return unit_result(ret);
}

/* The inode: the lower half of the metadata hash, as native preview1 has it. */
static int32_t inode_of(uint32_t handle, uint64_t *ino) {
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(D(METADATA_HASH_RET_SIZEOF), 8);
    wasi_filesystem_types_method_descriptor_metadata_hash((int32_t)handle, (int32_t)ret);
    if (load8(ret) != RESULT_OK) return fs_errno(load8(ret + D(METADATA_HASH_RET_ERR)));
    *ino = load64(ret + D(METADATA_HASH_RET_OK_LOWER));
    return ERRNO_SUCCESS;
}

/* The filestat of a file, a directory or stdio (all zero but the type). */
int32_t fd_filestat(uint32_t fd, filestat *fs) {
    fd_entry *e = fd_get_all(fd);
    if (!e) return ERRNO_BADF;
    if (e->kind != FD_FILE && e->kind != FD_DIR) {
        zero_private(fs, sizeof *fs);
        fs->filetype = stdio_filetype(e->kind);
        return ERRNO_SUCCESS;
    }
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(D(STAT_RET_SIZEOF), D(STAT_RET_ALIGNOF));
    wasi_filesystem_types_method_descriptor_stat((int32_t)e->handle, (int32_t)ret);
    if (load8(ret) != RESULT_OK) return fs_errno(load8(ret + D(STAT_RET_ERR)));
    uint64_t ino;
    int32_t err = inode_of(e->handle, &ino);
    if (err) return err;
    filestat_from(fs, ret + D(STAT_RET_OK), ino);
    return ERRNO_SUCCESS;
}

EXPORT("fd_filestat_get") int32_t shim_fd_filestat_get(uint32_t fd, uint32_t out) {
    arena_reset();
    filestat fs;
    int32_t err = fd_filestat(fd, &fs);
    if (!err) put_filestat(out, &fs);
    return err;
}
