/* fd_prestat_get, fd_prestat_dir_name */
#include "shim.h"

EXPORT("fd_prestat_get") int32_t shim_fd_prestat_get(uint32_t fd, uint32_t out) {
    arena_reset();
    fd_entry *e = fd_get_all(fd);
    if (!e || !e->preopen) return ERRNO_BADF;
    guest_store_u8(out, 0); /* preopentype::dir */
    guest_store_u32(out + 4, e->name_len);
    return ERRNO_SUCCESS;
}

EXPORT("fd_prestat_dir_name")
int32_t shim_fd_prestat_dir_name(uint32_t fd, uint32_t path, uint32_t len) {
    arena_reset();
    fd_entry *e = fd_get_all(fd);
    if (!e) return ERRNO_BADF;
    if (!e->preopen) return ERRNO_NOTDIR; /* as native, e.g. for stdio */
    if (len < e->name_len) return ERRNO_NAMETOOLONG;
    guest_check(path, e->name_len);
    guest_copy_out(path, (const void *)(uintptr_t)e->name_ptr, e->name_len);
    return ERRNO_SUCCESS;
}
