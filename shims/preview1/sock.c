/* sock_accept, sock_recv, sock_send, sock_shutdown, proc_raise.  A preview1
 * module can only get sockets from the host's preopened sockets, which a
 * WASI 0.2 host never hands out, so every open fd is not a socket: ENOTSOCK,
 * as native answers for files and stdio; closed fds are EBADF. */
#include "shim.h"

static int32_t not_a_socket(uint32_t fd) { return fd_get_all(fd) ? ERRNO_NOTSOCK : ERRNO_BADF; }

EXPORT("sock_accept") int32_t shim_sock_accept(uint32_t fd, uint32_t flags, uint32_t fd_out) {
    (void)flags;
    (void)fd_out;
    arena_reset();
    return not_a_socket(fd);
}

EXPORT("sock_recv")
int32_t shim_sock_recv(uint32_t fd, uint32_t iovs, uint32_t n, uint32_t flags, uint32_t len_out,
                       uint32_t flags_out) {
    (void)iovs;
    (void)n;
    (void)flags;
    (void)len_out;
    (void)flags_out;
    arena_reset();
    return not_a_socket(fd);
}

EXPORT("sock_send")
int32_t shim_sock_send(uint32_t fd, uint32_t iovs, uint32_t n, uint32_t flags, uint32_t len_out) {
    (void)iovs;
    (void)n;
    (void)flags;
    (void)len_out;
    arena_reset();
    return not_a_socket(fd);
}

EXPORT("sock_shutdown") int32_t shim_sock_shutdown(uint32_t fd, uint32_t how) {
    (void)how;
    arena_reset();
    return not_a_socket(fd);
}

/* Signals do not exist in WASI 0.2; native preview1 answers ENOTSUP. */
EXPORT("proc_raise") int32_t shim_proc_raise(uint32_t sig) {
    (void)sig;
    return ERRNO_NOTSUP;
}
