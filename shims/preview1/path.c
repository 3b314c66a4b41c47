/* path_open and the other path_* functions: one host call each, with the
 * host's error code mapped to the errno native preview1 gives. */
#include "shim.h"

#define D(x) WASI_FILESYSTEM_TYPES_METHOD_DESCRIPTOR_##x
#define DFLAGS(x) WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_##x
#define LOOKUP_SYMLINK_FOLLOW 1u

static uint32_t unit_ret(void) { return (uint32_t)(uintptr_t)arena_alloc(2, 1); }

static int32_t unit_result(uint32_t ret) {
    return load8(ret) == RESULT_ERR ? fs_errno(load8(ret + 1)) : ERRNO_SUCCESS;
}

EXPORT("path_open")
int32_t shim_path_open(uint32_t dirfd, uint32_t dirflags, uint32_t path, uint32_t path_len,
                       uint32_t oflags, uint64_t rights, uint64_t inheriting, uint32_t fdflags,
                       uint32_t fd_out) {
    (void)inheriting;
    arena_reset();
    uint32_t dir;
    int32_t err = dir_handle(dirfd, &dir);
    if (err) return err;
    if (fdflags & (FDFLAGS_DSYNC | FDFLAGS_RSYNC | FDFLAGS_SYNC)) return ERRNO_NOTSUP;
    /* Access as native derives it from the rights: write with FD_WRITE,
     * read with FD_READ/FD_READDIR or when nothing else is asked. */
    uint32_t access = 0;
    if (rights & RIGHT_FD_WRITE) access |= ACCESS_WRITE;
    if ((rights & (RIGHT_FD_READ | RIGHT_FD_READDIR)) || !access) access |= ACCESS_READ;
    uint32_t flags = DFLAGS(MUTATE_DIRECTORY);
    if (access & ACCESS_READ) flags |= DFLAGS(READ);
    if (access & ACCESS_WRITE) flags |= DFLAGS(WRITE);
    uint32_t p = guest_path(path, path_len);
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(D(OPEN_AT_RET_SIZEOF), D(OPEN_AT_RET_ALIGNOF));
    wasi_filesystem_types_method_descriptor_open_at((int32_t)dir, (int32_t)(dirflags & LOOKUP_SYMLINK_FOLLOW),
                                                    (int32_t)p, (int32_t)path_len, (int32_t)(oflags & 15),
                                                    (int32_t)flags, (int32_t)ret);
    if (load8(ret) == RESULT_ERR) return fs_errno(load8(ret + D(OPEN_AT_RET_ERR)));
    uint32_t handle = load32(ret + D(OPEN_AT_RET_OK));
    uint32_t tret = (uint32_t)(uintptr_t)arena_alloc(D(GET_TYPE_RET_SIZEOF), D(GET_TYPE_RET_ALIGNOF));
    wasi_filesystem_types_method_descriptor_get_type((int32_t)handle, (int32_t)tret);
    if (load8(tret) == RESULT_ERR) {
        wasi_filesystem_types_resource_drop_descriptor((int32_t)handle);
        return fs_errno(load8(tret + D(GET_TYPE_RET_ERR)));
    }
    uint32_t type = filetype_of(load8(tret + D(GET_TYPE_RET_OK)));
    uint32_t fd;
    fd_entry *e = fd_new(&fd);
    e->kind = type == FILETYPE_DIRECTORY ? FD_DIR : FD_FILE;
    e->handle = handle;
    e->filetype = type;
    e->access = access;
    e->fdflags = fdflags & (FDFLAGS_APPEND | FDFLAGS_NONBLOCK);
    guest_store_u32(fd_out, fd);
    return ERRNO_SUCCESS;
}

EXPORT("path_create_directory")
int32_t shim_path_create_directory(uint32_t fd, uint32_t path, uint32_t len) {
    arena_reset();
    uint32_t dir;
    int32_t err = dir_handle(fd, &dir);
    if (err) return err;
    uint32_t p = guest_path(path, len), ret = unit_ret();
    wasi_filesystem_types_method_descriptor_create_directory_at((int32_t)dir, (int32_t)p, (int32_t)len,
                                                                (int32_t)ret);
    return unit_result(ret);
}

EXPORT("path_remove_directory")
int32_t shim_path_remove_directory(uint32_t fd, uint32_t path, uint32_t len) {
    arena_reset();
    uint32_t dir;
    int32_t err = dir_handle(fd, &dir);
    if (err) return err;
    uint32_t p = guest_path(path, len), ret = unit_ret();
    wasi_filesystem_types_method_descriptor_remove_directory_at((int32_t)dir, (int32_t)p, (int32_t)len,
                                                                (int32_t)ret);
    return unit_result(ret);
}

EXPORT("path_unlink_file")
int32_t shim_path_unlink_file(uint32_t fd, uint32_t path, uint32_t len) {
    arena_reset();
    uint32_t dir;
    int32_t err = dir_handle(fd, &dir);
    if (err) return err;
    uint32_t p = guest_path(path, len), ret = unit_ret();
    wasi_filesystem_types_method_descriptor_unlink_file_at((int32_t)dir, (int32_t)p, (int32_t)len,
                                                           (int32_t)ret);
    return unit_result(ret);
}

int32_t path_filestat(uint32_t fd, uint32_t flags, uint32_t path, uint32_t len, filestat *fs) {
    uint32_t dir;
    int32_t err = dir_handle(fd, &dir);
    if (err) return err;
    uint32_t p = guest_path(path, len);
    int32_t pf = (int32_t)(flags & LOOKUP_SYMLINK_FOLLOW);
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(D(STAT_AT_RET_SIZEOF), D(STAT_AT_RET_ALIGNOF));
    wasi_filesystem_types_method_descriptor_stat_at((int32_t)dir, pf, (int32_t)p, (int32_t)len, (int32_t)ret);
    if (load8(ret) == RESULT_ERR) return fs_errno(load8(ret + D(STAT_AT_RET_ERR)));
    uint32_t h = (uint32_t)(uintptr_t)arena_alloc(D(METADATA_HASH_AT_RET_SIZEOF), 8);
    wasi_filesystem_types_method_descriptor_metadata_hash_at((int32_t)dir, pf, (int32_t)p, (int32_t)len,
                                                             (int32_t)h);
    if (load8(h) == RESULT_ERR) return fs_errno(load8(h + D(METADATA_HASH_AT_RET_ERR)));
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
    uint32_t p = guest_path(path, len), ret = unit_ret();
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
    uint32_t op = guest_path(old_path, old_len), np = guest_path(new_path, new_len), ret = unit_ret();
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
    uint32_t op = guest_path(old_path, old_len), np = guest_path(new_path, new_len), ret = unit_ret();
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
    uint32_t op = guest_path(old_path, old_len), np = guest_path(new_path, new_len), ret = unit_ret();
    wasi_filesystem_types_method_descriptor_symlink_at((int32_t)dir, (int32_t)op, (int32_t)old_len,
                                                       (int32_t)np, (int32_t)new_len, (int32_t)ret);
    return unit_result(ret);
}

/* The target, truncated to the buffer (as native). */
EXPORT("path_readlink")
int32_t shim_path_readlink(uint32_t fd, uint32_t path, uint32_t len, uint32_t buf, uint32_t buf_len,
                           uint32_t used_out) {
    arena_reset();
    uint32_t dir;
    int32_t err = dir_handle(fd, &dir);
    if (err) return err;
    uint32_t p = guest_path(path, len);
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(D(READLINK_AT_RET_SIZEOF), D(READLINK_AT_RET_ALIGNOF));
    wasi_filesystem_types_method_descriptor_readlink_at((int32_t)dir, (int32_t)p, (int32_t)len, (int32_t)ret);
    if (load8(ret) == RESULT_ERR) return fs_errno(load8(ret + D(READLINK_AT_RET_ERR)));
    uint32_t n = load32(ret + D(READLINK_AT_RET_OK_LEN));
    if (n > buf_len) n = buf_len;
    guest_check(buf, n);
    guest_copy_out(buf, (const void *)(uintptr_t)load32(ret + D(READLINK_AT_RET_OK_PTR)), n);
    guest_store_u32(used_out, n);
    return ERRNO_SUCCESS;
}
