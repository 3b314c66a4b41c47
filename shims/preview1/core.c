/* Start-up, private-memory allocation, cabi_realloc, guest-memory checks,
 * the fd table and stdio: what every other file may use. */
#include "shim.h"

/* The CAP_* bits granted: all of them.  `componentize new --deny` replaces
 * this body with the constant that clears the denied ones
 * (componentize/shim/deny.py), so the code takes its no-capability paths and
 * never calls a denied interface, whose imports become local stubs.  Weak
 * and not inlined, so the compiler cannot fold the constant into callers. */
__attribute__((weak)) NOINLINE uint32_t capabilities(void) { return 0xffffffffu; }

/* memory.grow on private memory (memory 0), done by the host: JS hosts
 * refuse memory.grow in a module with two memories.  Returns the old size in
 * pages, or -1. */
__attribute__((import_module("env"), import_name("memory-grow")))
int32_t private_memory_grow(int32_t pages);

/* Make sure private memory covers [0, end). */
static void ensure_memory(uint32_t end) {
    uint32_t have = __builtin_wasm_memory_size(0);
    uint32_t need = (uint32_t)(((uint64_t)end + PAGE - 1) / PAGE);
    if (need > have && private_memory_grow((int32_t)(need - have)) == -1)
        trap();
}

/* Start-up, exported as `componentize_init`: the assembler calls it once,
 * before anything else calls in (the shim has no start function).  It sets
 * the stack pointer itself (whatever the imported global held), uses no
 * stack, and calls no WASI function (so gc can drop every import not
 * reached from the kept exports). */
#define STR2(x) #x
#define STR(x) STR2(x)

EXPORT("componentize_init") void shim_init(void) {
    /* Linked with -z stack-size=0: the stack is ours to place. */
    __asm__ volatile(".globaltype __stack_pointer, i32\n"
                     "i32.const " STR(STACK_TOP) "\n"
                     "global.set __stack_pointer\n" ::: "memory");
    ensure_memory(HEAP_BASE);
    shim_state *s = STATE;
    zero_private(s, sizeof *s);
    s->heap_top = HEAP_BASE;
    s->arena_ptr = HEAP_BASE;
}

void arena_reset(void) { STATE->arena_ptr = STATE->heap_top; }

void *arena_alloc(uint32_t size, uint32_t align) {
    shim_state *s = STATE;
    if (align == 0) align = 1;
    uint64_t start = ((uint64_t)s->arena_ptr + align - 1) & ~(uint64_t)(align - 1);
    uint64_t end = start + size;
    if (end > 0xFFFFFFFFull) trap();
    ensure_memory((uint32_t)end);
    s->arena_ptr = (uint32_t)end;
    return (void *)(uintptr_t)start;
}


/* `len` bytes from src, or zeroes for a null src (zero_private): one byte
 * loop, not memory.copy/fill, which on private memory would need the
 * post-processor's helpers (memmove semantics, bounds checks), several times
 * the size, for what only moves paths, small structs and the fd table when
 * it grows.  no_builtin: else the compiler turns the loop back into them. */
__attribute__((no_builtin)) NOINLINE void copy_private(void *dst, const void *src, uint32_t len) {
    /* zeroing reads dst itself, masked: no branch in the loop (a branch
     * makes the compiler keep two loops) */
    uint8_t *d = dst, mask = src ? 0xff : 0;
    const uint8_t *s = src ? src : dst;
    while (len--) *d++ = *s++ & mask;
}

EXPORT("cabi_realloc")
void *cabi_realloc(void *old, uint32_t old_size, uint32_t align, uint32_t new_size) {
    shim_state *s = STATE;
    if (s->direct_cap) {
        /* the list of a read lowered on the guest's memory: its buffer */
        if (old || new_size > s->direct_cap) trap();
        s->direct_cap = 0;
        return (void *)(uintptr_t)s->direct_dst;
    }
    void *p = arena_alloc(new_size, align);
    if (old) copy_private(p, old, old_size < new_size ? old_size : new_size);
    return p;
}

int guest_range_ok(uint32_t addr, uint64_t len) {
    return (uint64_t)addr + len <= (uint64_t)guest_pages() * PAGE;
}

/* wasmtime's native preview1 traps on a guest region out of bounds. */
NOINLINE void guest_check(uint32_t addr, uint64_t len) {
    if (!guest_range_ok(addr, len)) trap();
}

/* wasmtime's native preview1 traps when an iovec lies outside memory; check
 * them all before doing anything visible. */
void check_iovecs(uint32_t iovs, uint32_t n) {
    guest_check(iovs, (uint64_t)n * 8);
    for (uint32_t i = 0; i < n; i++)
        guest_check(guest_load_u32(iovs + i * 8), guest_load_u32(iovs + i * 8 + 4));
}

fd_entry *fd_reserve(uint32_t fd) {
    shim_state *s = STATE;
    if (fd >= s->cap_fds) {
        uint32_t cap = fd * 2 + 8; /* fd + 1 at least, and doubling */
        fd_entry *fresh = heap_alloc(cap * sizeof(fd_entry));
        /* entries past nfds stay zero until they are reserved */
        zero_private(fresh, cap * sizeof(fd_entry));
        copy_private(fresh, s->fds, s->nfds * sizeof(fd_entry));
        s->fds = fresh;
        s->cap_fds = cap;
    }
    if (s->nfds <= fd) s->nfds = fd + 1;
    return &s->fds[fd];
}

/* stdio entries exist from the start; they need no WASI call to set up. */
static void fd_ensure_stdio(void) {
    shim_state *s = STATE;
    if (s->cap_fds) return;
    fd_reserve(2);
    /* a denied stream is a closed fd, as natively */
    uint32_t caps = capabilities();
    s->fds[0].kind = caps & CAP_STDIN ? FD_STDIN : FD_FREE;
    s->fds[1].kind = caps & CAP_STDOUT ? FD_STDOUT : FD_FREE;
    s->fds[2].kind = caps & CAP_STDERR ? FD_STDERR : FD_FREE;
}

/* Lookup without loading preopens: for functions where an fd >= 3 that is
 * not open can only give EBADF, so the preopens import stays unreached. */
NOINLINE fd_entry *fd_get(uint32_t fd) {
    fd_ensure_stdio();
    shim_state *s = STATE;
    if (fd >= s->nfds || s->fds[fd].kind == FD_FREE) return 0;
    return &s->fds[fd];
}

static void load_preopens(void) {
    shim_state *s = STATE;
    if (s->preopens_loaded) return;
    s->preopens_loaded = 1;
    if (!granted(CAP_FILESYSTEM)) return; /* no preopens: as native without --dir */
    uint8_t *ret = arena_alloc(WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_SIZEOF,
                               WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_ALIGNOF);
    wasi_filesystem_preopens_get_directories((int32_t)(uintptr_t)ret);
    uint32_t list = load32((uint32_t)(uintptr_t)ret + WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_PTR);
    uint32_t n = load32((uint32_t)(uintptr_t)ret + WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_LEN);
    /* the names stay where the host put them: keep the arena */
    heap_commit();
    for (uint32_t i = 0; i < n; i++) {
        uint32_t elem = list + i * WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_ELEM_SIZEOF;
        fd_entry *e = fd_reserve(s->nfds);
        e->kind = FD_DIR;
        e->preopen = 1;
        /* (descriptor, path): handle, name_ptr, name_len */
        copy_private(&e->handle, (const void *)(uintptr_t)elem, 12);
    }
}
#define PREOPEN(x) WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_ELEM_##x
_Static_assert(PREOPEN(F0) == 0 && PREOPEN(F1_PTR) == 4 && PREOPEN(F1_LEN) == 8 &&
                   __builtin_offsetof(fd_entry, name_ptr) == __builtin_offsetof(fd_entry, handle) + 4 &&
                   __builtin_offsetof(fd_entry, name_len) == __builtin_offsetof(fd_entry, handle) + 8,
               "a preopen is copied into its entry whole");

/* Lookup of any descriptor, preopens included. */
fd_entry *fd_get_all(uint32_t fd) {
    fd_ensure_stdio();
    load_preopens();
    return fd_get(fd);
}

/* Before a directory's handle goes: the entries opened from it that are
 * still untyped are typed now, while they can be reopened from it. */
static void resolve_children(uint32_t handle) {
    shim_state *s = STATE;
    for (fd_entry *c = s->fds; c < s->fds + s->nfds; c++)
        if (c->untyped && c->parent == handle) weak_path_open__resolve_type(c);
}

/* `e` with its type known (path.c leaves read-only opens untyped): every
 * function but reading, stat, closing and renumbering needs it. */
fd_entry *fd_typed(fd_entry *e) {
    if (e && e->untyped) weak_path_open__resolve_type(e);
    return e;
}

#define TERM(x) WASI_CLI_TERMINAL_STDIN_GET_TERMINAL_STDIN_RET_##x
_Static_assert(TERM(SOME) == WASI_CLI_TERMINAL_STDOUT_GET_TERMINAL_STDOUT_RET_SOME &&
                   TERM(SOME) == WASI_CLI_TERMINAL_STDERR_GET_TERMINAL_STDERR_RET_SOME &&
                   TERM(TAG) == WASI_CLI_TERMINAL_STDOUT_GET_TERMINAL_STDOUT_RET_TAG &&
                   TERM(TAG) == WASI_CLI_TERMINAL_STDERR_GET_TERMINAL_STDERR_RET_TAG,
               "the three get-terminal-* results share one layout");
_Static_assert(CAP_TERMINAL_STDOUT == CAP_TERMINAL_STDIN << (FD_STDOUT - FD_STDIN) &&
                   CAP_TERMINAL_STDERR == CAP_TERMINAL_STDIN << (FD_STDERR - FD_STDIN),
               "the terminal capability of a stdio kind is found by shifting");

/* CHARACTER_DEVICE when a terminal is attached, else UNKNOWN (as native). */
uint32_t stdio_filetype(uint32_t kind) {
    uint32_t ret = (uint32_t)(uintptr_t)arena_alloc(TERM(SIZEOF), TERM(ALIGNOF));
    if (!(capabilities() & (CAP_TERMINAL_STDIN << (kind - FD_STDIN)))) return FILETYPE_UNKNOWN;
    if (kind == FD_STDIN) wasi_cli_terminal_stdin_get_terminal_stdin((int32_t)ret);
    else if (kind == FD_STDOUT) wasi_cli_terminal_stdout_get_terminal_stdout((int32_t)ret);
    else wasi_cli_terminal_stderr_get_terminal_stderr((int32_t)ret);
    if (load8(ret + TERM(TAG)) == OPTION_NONE) return FILETYPE_UNKNOWN;
    int32_t terminal = (int32_t)load32(ret + TERM(SOME));
    if (kind == FD_STDIN) wasi_cli_terminal_input_resource_drop_terminal_input(terminal);
    else wasi_cli_terminal_output_resource_drop_terminal_output(terminal);
    return FILETYPE_CHARACTER_DEVICE;
}


/* Only fd_readdir opens directory streams: without it gc drops this. */
NOINLINE void weak_fd_readdir__drop_stream(fd_entry *e) {
    if (e->dir_stream) wasi_filesystem_types_resource_drop_directory_entry_stream((int32_t)e->dir_stream);
    e->dir_stream = 0;
    e->pend_cookie = 0;
}

/* Drop the host resources behind an entry and free it. */
void fd_release(fd_entry *e) {
    uint32_t h = e->handle, kind = e->kind; /* an open entry: not FD_FREE */
    if (h) {
        if (kind >= FD_DIR) {
            if (kind == FD_DIR) resolve_children(h);
            wasi_filesystem_types_resource_drop_descriptor((int32_t)h);
        } else if (kind == FD_STDIN) {
            wasi_io_streams_resource_drop_input_stream((int32_t)h);
        } else {
            wasi_io_streams_resource_drop_output_stream((int32_t)h);
        }
    }
    if (e->dir_stream) weak_fd_readdir__drop_stream(e);
    e->kind = FD_FREE;
    e->handle = 0;
    e->preopen = 0;
    e->untyped = 0;
}
