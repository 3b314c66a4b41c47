/* fd_readdir.  Cookies: 0 is ".", 1 is "..", n >= 2 the (n-2)th entry of the
 * host's directory-entry-stream.  The stream stays open per fd with the
 * cookie of the entry it yields next, so listing a large directory through
 * small buffers is linear; the last entry read is kept, since a buffer that
 * ends inside it makes the caller ask for it again.  A cookie before the
 * stream's position reopens the stream, and so does a listing from cookie 0
 * or 1, so that entries added since the last listing are seen. */
#include "shim.h"

#define D(x) WASI_FILESYSTEM_TYPES_METHOD_DESCRIPTOR_##x
#define ENTRY(x) WASI_FILESYSTEM_TYPES_METHOD_DIRECTORY_ENTRY_STREAM_READ_DIRECTORY_ENTRY_RET_##x
#define DIRENT_SIZE 24u
#define FIRST_STREAM_COOKIE 2u

static uint64_t inode_at(uint32_t dir, uint32_t name, uint32_t len) {
    uint32_t h = (uint32_t)(uintptr_t)arena_alloc(D(METADATA_HASH_AT_RET_SIZEOF), 8);
    wasi_filesystem_types_method_descriptor_metadata_hash_at((int32_t)dir, 0, (int32_t)name, (int32_t)len,
                                                             (int32_t)h);
    return load8(h) != RESULT_OK ? 0 : load64(h + D(METADATA_HASH_AT_RET_OK_LOWER));
}

static uint64_t inode_self(uint32_t dir) {
    uint32_t h = (uint32_t)(uintptr_t)arena_alloc(D(METADATA_HASH_RET_SIZEOF), 8);
    wasi_filesystem_types_method_descriptor_metadata_hash((int32_t)dir, (int32_t)h);
    return load8(h) != RESULT_OK ? 0 : load64(h + D(METADATA_HASH_RET_OK_LOWER));
}

static int32_t reopen(fd_entry *e) {
    weak_fd_readdir__drop_stream(e);
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(D(READ_DIRECTORY_RET_SIZEOF), D(READ_DIRECTORY_RET_ALIGNOF));
    wasi_filesystem_types_method_descriptor_read_directory((int32_t)e->handle, (int32_t)ret);
    if (load8(ret) != RESULT_OK) return fs_errno(load8(ret + D(READ_DIRECTORY_RET_ERR)));
    e->dir_stream = load32(ret + D(READ_DIRECTORY_RET_OK));
    e->dir_next = FIRST_STREAM_COOKIE;
    return ERRNO_SUCCESS;
}

/* Keep an entry in the fd's own buffer (grown as needed, never freed). */
static void keep_entry(fd_entry *e, uint64_t cookie, uint32_t type, uint32_t name, uint32_t len) {
    if (len > e->pend_cap) {
        uint32_t cap = len < 64 ? 64 : len;
        e->pend_buf = (uint32_t)(uintptr_t)heap_alloc(cap);
        e->pend_cap = cap;
    }
    copy_private((void *)(uintptr_t)e->pend_buf, (const void *)(uintptr_t)name, len);
    e->pend_len = len;
    e->pend_type = type;
    e->pend_cookie = cookie;
    e->pend_ino = inode_at(e->handle, name, len);
}

/* Load the entry with `cookie` (>= 2) into the fd's saved entry: 1 if there
 * is one, 0 at the end, or -errno. */
static int32_t entry_at(fd_entry *e, uint64_t cookie) {
    if (e->pend_cookie == cookie) return 1;
    if (!e->dir_stream || e->dir_next > cookie) {
        int32_t err = reopen(e);
        if (err) return -err;
    }
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(ENTRY(SIZEOF), ENTRY(ALIGNOF));
    uint32_t mark = STATE->arena_ptr;
    for (;;) {
        arena_rewind(mark);
        wasi_filesystem_types_method_directory_entry_stream_read_directory_entry((int32_t)e->dir_stream,
                                                                                 (int32_t)ret);
        if (load8(ret) != RESULT_OK) return -fs_errno(load8(ret + ENTRY(ERR)));
        if (load8(ret + ENTRY(OK_TAG)) == OPTION_NONE) return 0;
        if (e->dir_next++ < cookie) continue;
        keep_entry(e, cookie, filetype_of(load8(ret + ENTRY(OK_SOME_TYPE))), load32(ret + ENTRY(OK_SOME_NAME_PTR)),
                   load32(ret + ENTRY(OK_SOME_NAME_LEN)));
        return 1;
    }
}

/* Copy as much of `len` bytes as fits; returns the bytes copied. */
static uint32_t put(uint32_t buf, uint32_t *used, uint32_t cap, const void *src, uint32_t len) {
    uint32_t room = cap - *used, n = len < room ? len : room;
    guest_copy_out(buf + *used, src, n);
    *used += n;
    return n;
}

EXPORT("fd_readdir")
int32_t shim_fd_readdir(uint32_t fd, uint32_t buf, uint32_t buf_len, uint64_t cookie, uint32_t used_out) {
    arena_reset();
    fd_entry *e = fd_typed(fd_get_all(fd));
    if (!e || e->kind != FD_DIR) return ERRNO_BADF;
    guest_check(buf, buf_len);
    /* A listing from the start (rewinddir) must see the directory as it is
     * now, as native does: the open stream lists it as it was. */
    if (cookie < FIRST_STREAM_COOKIE) weak_fd_readdir__drop_stream(e);
    uint32_t used = 0, mark = STATE->arena_ptr;
    char dots[2];
    dots[0] = dots[1] = '.';
    for (uint64_t c = cookie; used < buf_len; c++) {
        arena_rewind(mark);
        uint64_t ino;
        uint32_t type, len;
        const void *name;
        if (c < FIRST_STREAM_COOKIE) {
            ino = inode_self(e->handle);
            type = FILETYPE_DIRECTORY;
            name = dots;
            len = (uint32_t)c + 1;
        } else {
            int32_t r = entry_at(e, c);
            if (r < 0) return -r;
            if (r == 0) break;
            ino = e->pend_ino;
            type = e->pend_type;
            name = (const void *)(uintptr_t)e->pend_buf;
            len = e->pend_len;
        }
        uint8_t head[DIRENT_SIZE];
        __builtin_memset(head, 0, sizeof head);
        *(uint64_t *)head = c + 1;
        *(uint64_t *)(head + 8) = ino;
        *(uint32_t *)(head + 16) = len;
        head[20] = (uint8_t)type;
        put(buf, &used, buf_len, head, DIRENT_SIZE);
        put(buf, &used, buf_len, name, len);
    }
    guest_store_u32(used_out, used);
    return ERRNO_SUCCESS;
}
