/* path_open and the other path_* functions: one host call each, with the
 * host's error code mapped to the errno native preview1 gives. */
#include "shim.h"

#define D(x) WASI_FILESYSTEM_TYPES_METHOD_DESCRIPTOR_##x
#define DFLAGS(x) WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_##x
#define LOOKUP_SYMLINK_FOLLOW 1u

/* What a path_* call on one directory and one path starts with: the
 * arena's reset, the directory's handle (STATE->at_dir), the path copied
 * into the arena (STATE->at_path) and a result<_, error-code> area
 * (STATE->at_ret); returns the errno.  In the state, not out-parameters,
 * so that neither it nor its callers need a stack frame. */
static NOINLINE int32_t at_path_of(uint32_t fd, uint32_t path, uint32_t len) {
    arena_reset();
    shim_state *s = STATE;
    int32_t err = dir_handle(fd, &s->at_dir);
    if (!err) err = guest_path(path, len, &s->at_path);
    s->at_ret = unit_ret();
    return err;
}

#define ERR(x) WASI_FILESYSTEM_TYPES_ERROR_CODE_##x

/* One open-at; the new descriptor's handle, or -(wasi:filesystem error code) - 1.
 * An int32: a handle is below 2^28 (the canonical ABI's bound on a table). */
static int32_t open_at(uint32_t dir, uint32_t follow, uint32_t p, uint32_t len, uint32_t oflags,
                       uint32_t flags) {
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(D(OPEN_AT_RET_SIZEOF), D(OPEN_AT_RET_ALIGNOF));
    wasi_filesystem_types_method_descriptor_open_at((int32_t)dir, (int32_t)follow, (int32_t)p, (int32_t)len,
                                                    (int32_t)oflags, (int32_t)flags, (int32_t)ret);
    if (load8(ret) != RESULT_OK) return -(int32_t)load8(ret + D(OPEN_AT_RET_ERR)) - 1;
    return (int32_t)load32(ret + D(OPEN_AT_RET_OK));
}

/* A host that will not give `mutate-directory` here (jco's never does; a
 * read-only preopen cannot) answers with one of these. */
static int mutate_refused(int32_t r) {
    int32_t code = -r - 1;
    return code == ERR(NOT_PERMITTED) || code == ERR(UNSUPPORTED) || code == ERR(READ_ONLY) ||
           code == ERR(ACCESS);
}

/* A directory opened to work in: `mutate-directory` where the host grants it,
 * so that files can be created through it (native allows that whatever the
 * rights asked), else read-only.  -1 - error code on failure. */
static int32_t open_dir(uint32_t dir, uint32_t follow, uint32_t p, uint32_t len, uint32_t oflags) {
    oflags |= OFLAGS_DIRECTORY;
    int32_t r = open_at(dir, follow, p, len, oflags, DFLAGS(READ) | DFLAGS(MUTATE_DIRECTORY));
    if (r < 0 && mutate_refused(r)) r = open_at(dir, follow, p, len, oflags, DFLAGS(READ));
    return r;
}

/* The access a path_open asks for, as native derives it: write with FD_WRITE,
 * or when creating or truncating (wasi-libc before 2023 opens files for
 * writing through a directory fd without FD_WRITE, whose inheriting rights
 * lack it); read with FD_READ/FD_READDIR, or whenever FD_WRITE is not asked. */
static uint32_t access_of(uint64_t rights, uint32_t oflags) {
    uint32_t access = 0;
    if ((rights & RIGHT_FD_WRITE) || (oflags & (OFLAGS_CREAT | OFLAGS_TRUNC))) access |= ACCESS_WRITE;
    if ((rights & (RIGHT_FD_READ | RIGHT_FD_READDIR)) || !(rights & RIGHT_FD_WRITE)) access |= ACCESS_READ;
    return access;
}

/* The descriptor path_open opens: a directory for O_DIRECTORY (with
 * `mutate-directory` where granted) unless writing, else only what a file
 * needs (some hosts refuse `mutate-directory` on a file; write access to a
 * directory fails, EISDIR, as native).  -1 - error code on failure. */
static int32_t open_path(uint32_t dir, uint32_t follow, uint32_t p, uint32_t len, uint32_t oflags,
                         uint32_t access) {
    if ((oflags & OFLAGS_DIRECTORY) && !(access & ACCESS_WRITE)) return open_dir(dir, follow, p, len, oflags);
    uint32_t flags = (access & ACCESS_READ ? DFLAGS(READ) : 0) | (access & ACCESS_WRITE ? DFLAGS(WRITE) : 0);
    return open_at(dir, follow, p, len, oflags, flags);
}

/* The entry's own copy of a path (its buffer grown as needed, never freed;
 * fd_readdir uses the same one once the entry is a directory). */
static inline __attribute__((always_inline)) void keep_path(fd_entry *e, uint32_t p, uint32_t len) {
    if (len > e->pend_cap) {
        uint32_t cap = len < 64 ? 64 : len;
        e->pend_buf = (uint32_t)(uintptr_t)heap_alloc(cap);
        e->pend_cap = cap;
    }
    copy_private((void *)(uintptr_t)e->pend_buf, (const void *)(uintptr_t)p, len);
    e->pend_len = len;
}

/* Whether two descriptors are the same file (metadata-hash; 0 if unknown). */
static int same_file(uint32_t a, uint32_t b) {
    uint32_t ha = (uint32_t)(uintptr_t)arena_alloc(2 * D(METADATA_HASH_RET_SIZEOF), 8);
    uint32_t hb = ha + D(METADATA_HASH_RET_SIZEOF);
    _Static_assert(D(METADATA_HASH_RET_SIZEOF) % 8 == 0, "both results 8-aligned");
    wasi_filesystem_types_method_descriptor_metadata_hash((int32_t)a, (int32_t)ha);
    wasi_filesystem_types_method_descriptor_metadata_hash((int32_t)b, (int32_t)hb);
    return load8(ha) == RESULT_OK && load8(hb) == RESULT_OK &&
           load64(ha + D(METADATA_HASH_RET_OK_LOWER)) == load64(hb + D(METADATA_HASH_RET_OK_LOWER)) &&
           load64(ha + D(METADATA_HASH_RET_OK_UPPER)) == load64(hb + D(METADATA_HASH_RET_OK_UPPER));
}

/* An untyped entry found to be a directory: reopened from its parent with
 * `mutate-directory`, so that it can be worked in as natively (rare: libc's
 * opendir says O_DIRECTORY), unless the path names another file by now. */
static void reopen_dir(fd_entry *e, uint32_t how) {
    uint32_t oflags = how & OFLAGS_EXCL, follow = (how >> 1) & 1;
    int32_t again = open_dir(e->parent, follow, e->pend_buf, e->pend_len, oflags);
    if (again < 0) return;
    if (!same_file(e->handle, (uint32_t)again)) {
        wasi_filesystem_types_resource_drop_descriptor((int32_t)again);
        return;
    }
    wasi_filesystem_types_resource_drop_descriptor((int32_t)e->handle);
    e->handle = (uint32_t)again;
}

/* The type of an entry path_open left untyped, asked of the host now that
 * something needs it.  If get-type fails the entry stays a file of pending
 * filetype: the host answers for it from then on. */
NOINLINE void weak_path_open__resolve_type(fd_entry *e) {
    uint32_t how = e->untyped;
    e->untyped = 0;
    int32_t type = descriptor_type(e->handle);
    if (type < 0) return;
    e->filetype = (uint32_t)type;
    if (type != FILETYPE_DIRECTORY) return;
    e->kind = FD_DIR;
    reopen_dir(e, how);
}

/* A fresh fd (path_open makes them all): the most recently freed fd first
 * (as native preview1 numbers them), else the next never-used one. */
static uint32_t fd_new(void) {
    shim_state *s = STATE;
    uint32_t fd;
    if (s->free_head) {
        fd = s->free_head - 1;
        s->free_head = s->fds[fd].next_free;
    } else {
        fd = s->nfds;
    }
    return fd;
}

/* The entry of the fresh `fd` for what path_open opened (zeroed but for the
 * slot's readdir buffer, kept for reuse: the last fields).  With O_DIRECTORY
 * it is a directory (the host checked), and a write open is a file (a
 * directory cannot be opened for writing); a read-only open may be either:
 * asking get-type costs a host call (wasmtime stats on a worker thread: as
 * much as the open), so the entry is left an untyped file, typed when
 * something needs it (weak_path_open__resolve_type).  A file's filetype is
 * asked when fd_fdstat_get needs it. */
static fd_entry *add_entry(uint32_t fd, uint32_t handle, uint32_t oflags, uint32_t access,
                           uint32_t fdflags) {
    fd_entry *e = fd_reserve(fd);
    zero_private(e, __builtin_offsetof(fd_entry, pend_buf));
    e->kind = oflags & OFLAGS_DIRECTORY ? FD_DIR : FD_FILE;
    e->filetype = oflags & OFLAGS_DIRECTORY ? FILETYPE_DIRECTORY : FILETYPE_PENDING;
    e->handle = handle;
    e->access = access;
    e->fdflags = fdflags & (FDFLAGS_APPEND | FDFLAGS_NONBLOCK);
    return e;
}

EXPORT("path_open")
int32_t shim_path_open(uint32_t dirfd, uint32_t dirflags, uint32_t path, uint32_t path_len,
                       uint32_t oflags, uint64_t rights, uint64_t inheriting, uint32_t fdflags,
                       uint32_t fd_out) {
    (void)inheriting;
    arena_reset();
    /* into at_dir and at_path as at_path_of does (no stack frame); not that
     * function, since the flags are checked between the two */
    shim_state *s = STATE;
    int32_t err = dir_handle(dirfd, &s->at_dir);
    if (err) return err;
    if (fdflags & (FDFLAGS_DSYNC | FDFLAGS_RSYNC | FDFLAGS_SYNC)) return ERRNO_NOTSUP;
    uint32_t access = access_of(rights, oflags);
    uint32_t follow = dirflags & LOOKUP_SYMLINK_FOLLOW;
    if ((err = guest_path(path, path_len, &s->at_path))) return err;
    uint32_t dir = s->at_dir, p = s->at_path;
    oflags &= 15;
    int32_t r = open_path(dir, follow, p, path_len, oflags, access);
    if (r < 0) return fs_errno((uint32_t)(-r - 1));
    uint32_t fd = fd_new();
    fd_entry *e = add_entry(fd, (uint32_t)r, oflags, access, fdflags);
    if (!(oflags & OFLAGS_DIRECTORY) && !(access & ACCESS_WRITE)) {
        e->untyped = 1 | follow << 1 | (oflags & OFLAGS_EXCL);
        e->parent = dir;
        keep_path(e, p, path_len);
    }
    guest_store_u32(fd_out, fd);
    return ERRNO_SUCCESS;
}

EXPORT("path_create_directory")
int32_t shim_path_create_directory(uint32_t fd, uint32_t path, uint32_t len) {
    int32_t err = at_path_of(fd, path, len);
    if (err) return err;
    shim_state *s = STATE;
    wasi_filesystem_types_method_descriptor_create_directory_at((int32_t)s->at_dir, (int32_t)s->at_path,
                                                                (int32_t)len, (int32_t)s->at_ret);
    return unit_result(s->at_ret);
}

EXPORT("path_remove_directory")
int32_t shim_path_remove_directory(uint32_t fd, uint32_t path, uint32_t len) {
    int32_t err = at_path_of(fd, path, len);
    if (err) return err;
    shim_state *s = STATE;
    wasi_filesystem_types_method_descriptor_remove_directory_at((int32_t)s->at_dir, (int32_t)s->at_path,
                                                                (int32_t)len, (int32_t)s->at_ret);
    return unit_result(s->at_ret);
}

EXPORT("path_unlink_file")
int32_t shim_path_unlink_file(uint32_t fd, uint32_t path, uint32_t len) {
    int32_t err = at_path_of(fd, path, len);
    if (err) return err;
    shim_state *s = STATE;
    wasi_filesystem_types_method_descriptor_unlink_file_at((int32_t)s->at_dir, (int32_t)s->at_path,
                                                           (int32_t)len, (int32_t)s->at_ret);
    return unit_result(s->at_ret);
}

/* (resets the arena) */
int32_t path_filestat(uint32_t fd, uint32_t flags, uint32_t path, uint32_t len, filestat *fs) {
    int32_t err = at_path_of(fd, path, len);
    if (err) return err;
    uint32_t dir = STATE->at_dir, p = STATE->at_path;
    int32_t pf = (int32_t)(flags & LOOKUP_SYMLINK_FOLLOW);
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(D(STAT_AT_RET_SIZEOF), D(STAT_AT_RET_ALIGNOF));
    wasi_filesystem_types_method_descriptor_stat_at((int32_t)dir, pf, (int32_t)p, (int32_t)len, (int32_t)ret);
    if (load8(ret) != RESULT_OK) return fs_errno(load8(ret + D(STAT_AT_RET_ERR)));
    uint32_t h = (uint32_t)(uintptr_t)arena_alloc(D(METADATA_HASH_AT_RET_SIZEOF), 8);
    wasi_filesystem_types_method_descriptor_metadata_hash_at((int32_t)dir, pf, (int32_t)p, (int32_t)len,
                                                             (int32_t)h);
    if (load8(h) != RESULT_OK) return fs_errno(load8(h + D(METADATA_HASH_AT_RET_ERR)));
    filestat_from(fs, ret + D(STAT_AT_RET_OK), load64(h + D(METADATA_HASH_AT_RET_OK_LOWER)));
    return ERRNO_SUCCESS;
}

EXPORT("path_filestat_get")
int32_t shim_path_filestat_get(uint32_t fd, uint32_t flags, uint32_t path, uint32_t len, uint32_t out) {
    arena_reset();
    filestat fs;
    int32_t err = path_filestat(fd, flags, path, len, &fs);
    if (!err) put_filestat(out, &fs);
    return err;
}

EXPORT("path_filestat_set_times")
int32_t shim_path_filestat_set_times(uint32_t fd, uint32_t flags, uint32_t path, uint32_t len,
                                     uint64_t atim, uint64_t mtim, uint32_t fst) {
    arena_reset();
    uint32_t dir;
    int32_t err = dir_handle(fd, &dir);
    if (err) return err;
    new_ts a, m;
    if (new_times(atim, mtim, fst, &a, &m)) return ERRNO_INVAL;
    uint32_t p, ret;
    if ((err = guest_path(path, len, &p))) return err;
    ret = unit_ret();
    wasi_filesystem_types_method_descriptor_set_times_at(
        (int32_t)dir, (int32_t)(flags & LOOKUP_SYMLINK_FOLLOW), (int32_t)p, (int32_t)len, (int32_t)a.tag,
        (int64_t)a.secs, (int32_t)a.nanos, (int32_t)m.tag, (int64_t)m.secs, (int32_t)m.nanos, (int32_t)ret);
    return unit_result(ret);
}

EXPORT("path_link")
int32_t shim_path_link(uint32_t old_fd, uint32_t flags, uint32_t old_path, uint32_t old_len,
                       uint32_t new_fd, uint32_t new_path, uint32_t new_len) {
    arena_reset();
    uint32_t a, b;
    int32_t err = dir_handle(old_fd, &a);
    if (!err) err = dir_handle(new_fd, &b);
    if (err) return err;
    uint32_t op, np, ret;
    if ((err = guest_path(old_path, old_len, &op)) || (err = guest_path(new_path, new_len, &np)))
        return err;
    ret = unit_ret();
    wasi_filesystem_types_method_descriptor_link_at((int32_t)a, (int32_t)(flags & LOOKUP_SYMLINK_FOLLOW),
                                                    (int32_t)op, (int32_t)old_len, (int32_t)b, (int32_t)np,
                                                    (int32_t)new_len, (int32_t)ret);
    return unit_result(ret);
}

EXPORT("path_rename")
int32_t shim_path_rename(uint32_t old_fd, uint32_t old_path, uint32_t old_len, uint32_t new_fd,
                         uint32_t new_path, uint32_t new_len) {
    arena_reset();
    uint32_t a, b;
    int32_t err = dir_handle(old_fd, &a);
    if (!err) err = dir_handle(new_fd, &b);
    if (err) return err;
    uint32_t op, np, ret;
    if ((err = guest_path(old_path, old_len, &op)) || (err = guest_path(new_path, new_len, &np)))
        return err;
    ret = unit_ret();
    wasi_filesystem_types_method_descriptor_rename_at((int32_t)a, (int32_t)op, (int32_t)old_len, (int32_t)b,
                                                      (int32_t)np, (int32_t)new_len, (int32_t)ret);
    return unit_result(ret);
}

EXPORT("path_symlink")
int32_t shim_path_symlink(uint32_t old_path, uint32_t old_len, uint32_t fd, uint32_t new_path,
                          uint32_t new_len) {
    arena_reset();
    uint32_t dir;
    int32_t err = dir_handle(fd, &dir);
    if (err) return err;
    uint32_t op, np, ret;
    if ((err = guest_path(old_path, old_len, &op)) || (err = guest_path(new_path, new_len, &np)))
        return err;
    ret = unit_ret();
    wasi_filesystem_types_method_descriptor_symlink_at((int32_t)dir, (int32_t)op, (int32_t)old_len,
                                                       (int32_t)np, (int32_t)new_len, (int32_t)ret);
    return unit_result(ret);
}

/* The target, truncated to the buffer (as native). */
EXPORT("path_readlink")
int32_t shim_path_readlink(uint32_t fd, uint32_t path, uint32_t len, uint32_t buf, uint32_t buf_len,
                           uint32_t used_out) {
    int32_t err = at_path_of(fd, path, len);
    if (err) return err;
    uint32_t dir = STATE->at_dir, p = STATE->at_path;
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(D(READLINK_AT_RET_SIZEOF), D(READLINK_AT_RET_ALIGNOF));
    wasi_filesystem_types_method_descriptor_readlink_at((int32_t)dir, (int32_t)p, (int32_t)len, (int32_t)ret);
    if (load8(ret) != RESULT_OK) return fs_errno(load8(ret + D(READLINK_AT_RET_ERR)));
    uint32_t n = load32(ret + D(READLINK_AT_RET_OK_LEN));
    if (n > buf_len) n = buf_len;
    guest_check(buf, n);
    guest_copy_out(buf, (const void *)(uintptr_t)load32(ret + D(READLINK_AT_RET_OK_PTR)), n);
    guest_store_u32(used_out, n);
    return ERRNO_SUCCESS;
}
