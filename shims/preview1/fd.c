/* fd_write, fd_read, fd_seek, fd_tell, fd_close, fd_renumber, fd_fdstat_get,
 * fd_fdstat_set_flags, fd_fdstat_set_rights.  Files are handled in file.c,
 * by functions named `weak_path_open__*`: gc keeps them (and what they call)
 * only when path_open (the only way to get a file fd) is kept, so a module
 * that only writes to stdout imports nothing of wasi:filesystem. */
#include "shim.h"

/* The filetype of a file entry, asked of the host the first time it is
 * needed: path_open leaves it pending, and only fd_fdstat_get reports it;
 * or -errno.  Here, so that it is inlined into its weak function. */
static int32_t file_type(fd_entry *e) {
    if (e->filetype == FILETYPE_PENDING) {
        int32_t t = descriptor_type(e->handle);
        if (t < 0) return -fs_errno((uint32_t)(-t - 1));
        e->filetype = (uint32_t)t;
    }
    return (int32_t)e->filetype;
}

static NOINLINE int32_t weak_path_open__file_type(fd_entry *e) { return file_type(e); }

/* blocking-write-and-flush accepts at most 4096 bytes per call */
#define WRITE_CHUNK 4096u
/* bound on one read request so the arena stays small */
#define READ_CHUNK 65536u

#define BWF(x) WASI_IO_STREAMS_METHOD_OUTPUT_STREAM_BLOCKING_WRITE_AND_FLUSH_RET_##x
#define BREAD(x) WASI_IO_STREAMS_METHOD_INPUT_STREAM_BLOCKING_READ_RET_##x
#define READ(x) WASI_IO_STREAMS_METHOD_INPUT_STREAM_READ_RET_##x

/* A stream-error at `err` (its variant) as an errno; drops the error. */
static int32_t stream_errno(uint32_t tag_addr, uint32_t payload_addr) {
    /* two cases (tested against 0, as results are: shim.h): closed is the other */
    if (load8(tag_addr) != WASI_IO_STREAMS_STREAM_ERROR_LAST_OPERATION_FAILED) return ERRNO_PIPE;
    wasi_io_error_resource_drop_error((int32_t)load32(payload_addr));
    return ERRNO_IO;
}

EXPORT("fd_write")
int32_t shim_fd_write(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nwritten_out) {
    arena_reset();
    fd_entry *e = fd_get(fd);
    if (e && e->kind == FD_FILE) return weak_path_open__file_write(e, iovs, iovs_len, e->offset, nwritten_out, 1);
    if (!e || (e->kind != FD_STDOUT && e->kind != FD_STDERR)) return ERRNO_BADF;
    check_iovecs(iovs, iovs_len);
    int32_t stream = (int32_t)output_stream(e);
    uint8_t *chunk = arena_alloc(WRITE_CHUNK, 1);
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(BWF(SIZEOF), BWF(ALIGNOF));
    uint32_t total = 0;
    /* (iovecs checked: the end does not wrap around) */
    for (uint32_t v = iovs, end = iovs + iovs_len * 8; v != end; v += 8) {
        uint32_t ptr = guest_load_u32(v), len = guest_load_u32(v + 4);
        while (len) {
            uint32_t n = len < WRITE_CHUNK ? len : WRITE_CHUNK;
            guest_copy_in(chunk, ptr, n);
            wasi_io_streams_method_output_stream_blocking_write_and_flush(
                stream, (int32_t)(uintptr_t)chunk, (int32_t)n, (int32_t)ret);
            if (load8(ret + BWF(TAG)) != RESULT_OK)
                return stream_errno(ret + BWF(ERR_TAG), ret + BWF(ERR_LAST_OPERATION_FAILED));
            total += n;
            ptr += n;
            len -= n;
        }
    }
    guest_store_u32(nwritten_out, total);
    return ERRNO_SUCCESS;
}

/* The first read may block; later iovecs only take what is already there. */
EXPORT("fd_read")
int32_t shim_fd_read(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nread_out) {
    arena_reset();
    fd_entry *e = fd_get(fd);
    if (e && e->kind == FD_FILE) return weak_path_open__file_read(e, iovs, iovs_len, nread_out);
    if (!e || e->kind != FD_STDIN) return ERRNO_BADF;
    check_iovecs(iovs, iovs_len);
    int32_t stream = (int32_t)stdin_stream(e);
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(BREAD(SIZEOF), BREAD(ALIGNOF));
    uint32_t mark = STATE->arena_ptr;
    uint32_t total = 0;
    for (uint32_t i = 0; i < iovs_len; i++) {
        uint32_t ptr = guest_load_u32(iovs + i * 8), len = guest_load_u32(iovs + i * 8 + 4);
        while (len) {
            uint32_t want = len < READ_CHUNK ? len : READ_CHUNK;
            STATE->arena_ptr = mark;
            if (total == 0)
                wasi_io_streams_method_input_stream_blocking_read(stream, (int64_t)want, (int32_t)ret);
            else
                wasi_io_streams_method_input_stream_read(stream, (int64_t)want, (int32_t)ret);
            if (load8(ret + BREAD(TAG)) != RESULT_OK) {
                if (load8(ret + BREAD(ERR_TAG)) != WASI_IO_STREAMS_STREAM_ERROR_LAST_OPERATION_FAILED || total)
                    goto done; /* end of file, or keep what was read */
                return stream_errno(ret + BREAD(ERR_TAG), ret + BREAD(ERR_LAST_OPERATION_FAILED));
            }
            uint32_t got = load32(ret + BREAD(OK_LEN));
            if (got > want) trap(); /* a host bug: never write past the iovec */
            guest_copy_out(ptr, (const void *)(uintptr_t)load32(ret + BREAD(OK_PTR)), got);
            total += got;
            if (got < want) goto done;
            ptr += got;
            len -= got;
        }
    }
done:
    guest_store_u32(nread_out, total);
    return ERRNO_SUCCESS;
}

/* Seeking: stdio streams are not seekable (ESPIPE); native answers EBADF
 * for directories. */
static int32_t seek_errno(fd_entry *e) {
    if (!e || e->kind == FD_DIR) return ERRNO_BADF;
    return ERRNO_SPIPE;
}

EXPORT("fd_seek")
int32_t shim_fd_seek(uint32_t fd, int64_t offset, uint32_t whence, uint32_t out) {
    arena_reset();
    if (whence > 2) return ERRNO_INVAL;
    fd_entry *e = fd_typed(fd_get(fd));
    if (e && e->kind == FD_FILE) return weak_path_open__file_seek(e, offset, whence, out);
    return seek_errno(e);
}

EXPORT("fd_tell") int32_t shim_fd_tell(uint32_t fd, uint32_t out) {
    arena_reset();
    fd_entry *e = fd_typed(fd_get(fd));
    if (e && e->kind == FD_FILE) {
        guest_store_u64(out, e->offset);
        return ERRNO_SUCCESS;
    }
    return seek_errno(e);
}

/* The entry is released and put on the free list. */
EXPORT("fd_close") int32_t shim_fd_close(uint32_t fd) {
    arena_reset();
    fd_entry *e = fd_get_all(fd);
    if (!e) return ERRNO_BADF;
    fd_release(e);
    e->next_free = STATE->free_head;
    STATE->free_head = fd + 1;
    return ERRNO_SUCCESS;
}

/* `to` must be open; its resources go and `from`'s entry moves there. */
EXPORT("fd_renumber") int32_t shim_fd_renumber(uint32_t from, uint32_t to) {
    arena_reset();
    fd_entry *a = fd_get_all(from), *b = fd_get_all(to);
    if (!a || !b) return ERRNO_BADF;
    if (from == to) return ERRNO_SUCCESS;
    fd_release(b);
    /* keep b's readdir buffer for the slot freed */
    uint32_t buf = b->pend_buf, cap = b->pend_cap;
    copy_private(b, a, sizeof *b);
    a->pend_buf = buf;
    a->pend_cap = cap;
    a->kind = FD_FREE;
    a->handle = 0;
    a->dir_stream = 0;
    a->preopen = 0;
    a->untyped = 0;
    a->next_free = STATE->free_head;
    STATE->free_head = from + 1;
    return ERRNO_SUCCESS;
}

/* rights as wasmtime's native preview1 reports them */
#define RIGHTS_STDIN 0x2ull          /* fd_read */
#define RIGHTS_STDOUT 0x40ull        /* fd_write */
#define RIGHTS_DIR_BASE 0x7b7fe00ull
#define RIGHTS_DIR_INHERITING 0xff7ffffull
#define RIGHTS_OPENED_DIR 0x3fb7ffbbull
#define RIGHTS_FILE 0x3fffffffull

static uint64_t file_rights(fd_entry *e) {
    uint64_t r = RIGHTS_FILE;
    if (!(e->access & ACCESS_WRITE)) r &= ~RIGHT_FD_WRITE;
    if (!(e->access & ACCESS_READ)) r &= ~(RIGHT_FD_READ | RIGHT_FD_READDIR);
    return r;
}

EXPORT("fd_fdstat_get") int32_t shim_fd_fdstat_get(uint32_t fd, uint32_t out) {
    arena_reset();
    fd_entry *e = fd_typed(fd_get_all(fd));
    if (!e) return ERRNO_BADF;
    uint32_t filetype;
    uint64_t base, inheriting;
    uint32_t flags = 0;
    if (e->kind == FD_DIR) {
        filetype = FILETYPE_DIRECTORY;
        base = e->preopen ? RIGHTS_DIR_BASE : RIGHTS_OPENED_DIR;
        inheriting = e->preopen ? RIGHTS_DIR_INHERITING : RIGHTS_OPENED_DIR;
    } else if (e->kind == FD_FILE) {
        int32_t type = weak_path_open__file_type(e);
        if (type < 0) return -type;
        filetype = (uint32_t)type;
        base = inheriting = file_rights(e);
        flags = e->fdflags;
    } else {
        filetype = stdio_filetype(e->kind);
        base = inheriting = e->kind == FD_STDIN ? RIGHTS_STDIN : RIGHTS_STDOUT;
    }
    guest_check(out, 24);
    guest_store_u8(out, filetype);
    guest_store_u16(out + 2, flags);
    guest_store_u64(out + 8, base);
    guest_store_u64(out + 16, inheriting);
    return ERRNO_SUCCESS;
}

/* Files keep append and nonblock; the sync flags are unsupported (as
 * path_open); stdio and directories refuse with EBADF, as native. */
EXPORT("fd_fdstat_set_flags") int32_t shim_fd_fdstat_set_flags(uint32_t fd, uint32_t flags) {
    arena_reset();
    fd_entry *e = fd_typed(fd_get(fd));
    if (!e || e->kind != FD_FILE) return ERRNO_BADF;
    if (flags & (FDFLAGS_DSYNC | FDFLAGS_RSYNC | FDFLAGS_SYNC)) return ERRNO_NOTSUP;
    e->fdflags = flags & (FDFLAGS_APPEND | FDFLAGS_NONBLOCK);
    return ERRNO_SUCCESS;
}

/* Native preview1 does not change rights on files and directories. */
EXPORT("fd_fdstat_set_rights")
int32_t shim_fd_fdstat_set_rights(uint32_t fd, uint64_t base, uint64_t inheriting) {
    (void)base;
    (void)inheriting;
    arena_reset();
    fd_entry *e = fd_get_all(fd);
    if (!e || (e->kind != FD_FILE && e->kind != FD_DIR)) return ERRNO_BADF;
    return ERRNO_NOTSUP;
}
