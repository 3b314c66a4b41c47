/* Shared declarations of the preview1 shim.
 *
 * Freestanding: no libc, no data segments, no static variables, no start
 * function.  All state lives in the shim's private memory (memory 0) at a
 * fixed address below the stack; it is set up by shim_init, exported as
 * `componentize_init`, which the assembler calls once before anything else.
 * So that JS hosts (jco) accept a module with two memories, the built shim
 * defines no global and uses no memory.grow: the post-processor turns the
 * stack pointer into an import, and memory 0 grows through the import
 * `env`/`memory-grow` (core.c).  memory.copy/fill and narrow i64 loads and
 * stores, which the compiler emits, are rewritten by the post-processor.
 *
 * Private memory layout:
 *   [STATE_ADDR, +state)      struct shim_state (below STACK_LIMIT)
 *   [STACK_LIMIT, STACK_TOP)  C stack (grows down; __stack_pointer = STACK_TOP)
 *   [HEAP_BASE, heap_top)     persistent allocations (fd table, caches)
 *   [heap_top, arena_ptr)     per-call arena (cabi_realloc), reset per call
 */
#ifndef SHIM_H
#define SHIM_H

#include <stdint.h>
#include <stddef.h>

#include "guest.h"
#include "wasi_imports.h"

/* The state's fields below 128: their load and store offsets are 1-byte
 * LEBs (2 bytes up to 16384), and so are the addresses below 64 that calls
 * take (the at_* fields, first).  Not at 0: a null pointer.  The stack
 * above it needs a few hundred bytes: no recursion, and all the frames of
 * the shim together are far below its 16256 bytes (tests/shim/test_build.py
 * checks), so no chain of calls reaches the state. */
#define STATE_ADDR 8u
#define STACK_LIMIT 128u
#define STACK_TOP 16384
#define HEAP_BASE ((uint32_t)STACK_TOP)
#define PAGE 65536u

#define EXPORT(name) __attribute__((export_name(name)))
#define NOINLINE __attribute__((noinline))

/* preview1 errno values (witx typenames: errno) */
enum {
    ERRNO_SUCCESS = 0,
    ERRNO_AGAIN = 6,
    ERRNO_BADF = 8,
    ERRNO_ILSEQ = 25,
    ERRNO_INVAL = 28,
    ERRNO_IO = 29,
    ERRNO_ISDIR = 31,
    ERRNO_NAMETOOLONG = 37,
    ERRNO_NOSYS = 52,
    ERRNO_NOTDIR = 54,
    ERRNO_NOTSOCK = 57,
    ERRNO_NOTSUP = 58,
    ERRNO_PIPE = 64,
    ERRNO_SPIPE = 70,
    ERRNO_NOTCAPABLE = 76,
};

/* Capabilities (componentize/shim/contract.py CAPABILITY_BITS, same values):
 * what the C code asks `capabilities()` before taking a path that calls the
 * interface.  Without the bit it answers as native preview1 does without
 * that capability (no stdio fd, no preopens, no arguments, no terminal),
 * or ENOTCAPABLE where native always has it (clocks, random). */
enum {
    CAP_STDIN = 1,
    CAP_STDOUT = 2,
    CAP_STDERR = 4,
    CAP_TERMINAL_STDIN = 8,
    CAP_TERMINAL_STDOUT = 16,
    CAP_TERMINAL_STDERR = 32,
    CAP_ENVIRONMENT = 64,
    CAP_FILESYSTEM = 128,
    CAP_WALL_CLOCK = 256,
    CAP_MONOTONIC_CLOCK = 512,
    CAP_RANDOM = 1024,
};

/* preview1 fdflags, rights and lookup flags used here */
enum {
    FDFLAGS_APPEND = 1,
    FDFLAGS_DSYNC = 2,
    FDFLAGS_NONBLOCK = 4,
    FDFLAGS_RSYNC = 8,
    FDFLAGS_SYNC = 16,
};
/* preview1 oflags */
enum { OFLAGS_CREAT = 1, OFLAGS_DIRECTORY = 2, OFLAGS_EXCL = 4, OFLAGS_TRUNC = 8 };
#define RIGHT_FD_READ 0x2ull
#define RIGHT_FD_WRITE 0x40ull
#define RIGHT_FD_READDIR 0x4000ull

/* canonical ABI discriminants of result and option.  The host lowers only
 * these values, so a result is tested `!= RESULT_OK` and an option
 * `== OPTION_NONE`: a test against 0, the shortest code. */
enum { RESULT_OK = 0, RESULT_ERR = 1, OPTION_NONE = 0, OPTION_SOME = 1 };

/* preview1 filetype */
enum {
    FILETYPE_UNKNOWN = 0,
    FILETYPE_BLOCK_DEVICE = 1,
    FILETYPE_CHARACTER_DEVICE = 2,
    FILETYPE_DIRECTORY = 3,
    FILETYPE_REGULAR_FILE = 4,
    FILETYPE_SOCKET_STREAM = 6,
    FILETYPE_SYMBOLIC_LINK = 7,
    /* a file whose filetype the host has not been asked yet (file_type) */
    FILETYPE_PENDING = 0xff,
};

/* kinds of descriptor-table entries */
enum {
    FD_FREE = 0,
    FD_STDIN = 1,
    FD_STDOUT = 2,
    FD_STDERR = 3,
    FD_DIR = 4,
    FD_FILE = 5,
};

/* descriptor flags the host granted (wasi:filesystem descriptor-flags) */
enum { ACCESS_READ = 1, ACCESS_WRITE = 2 };

typedef struct fd_entry {
    uint32_t kind;
    uint32_t handle;   /* stream (stdio) or descriptor (dirs, files); 0: not fetched yet */
    uint32_t name_ptr; /* preopen path (private memory), not NUL-terminated */
    uint32_t name_len;
    uint32_t preopen;  /* 1 for the host's preopened directories */
    uint32_t fdflags;  /* preview1 fdflags kept by the shim (append, nonblock) */
    uint32_t access;   /* ACCESS_* */
    uint32_t filetype; /* preview1 filetype of files */
    uint64_t offset;   /* file position (preview1 keeps one per fd) */
    uint32_t next_free; /* free list link (fd + 1; 0 ends the list) */
    /* fd_readdir: the open directory-entry-stream and the cookie of the entry
     * it yields next, plus the last entry read (re-sent when it did not fit). */
    uint32_t dir_stream;
    uint64_t dir_next;
    uint64_t pend_cookie; /* cookie of the saved entry; 0: none */
    uint64_t pend_ino;
    uint32_t pend_type;
    uint32_t pend_len;
    /* path_open of a file or a directory (read-only, no O_DIRECTORY) leaves
     * the entry a file with `untyped` set instead of asking the host its
     * type: `parent` is the directory's handle and pend_buf/pend_len the path,
     * to reopen it as a directory (path.c weak_path_open__resolve_type) if it
     * is one. */
    uint32_t untyped;
    uint32_t parent;
    /* the saved entry's (or path's) buffer: last, so that fd_new keeps it
     * for the slot's next use by zeroing only what comes before */
    uint32_t pend_buf;
    uint32_t pend_cap;
} fd_entry;

typedef struct list_ref {
    uint32_t ptr;
    uint32_t len;
} list_ref;

typedef struct shim_state {
    /* path.c at_path_of's answers, for the call that follows it */
    uint32_t at_dir, at_path, at_ret;
    uint32_t heap_top;
    uint32_t arena_ptr;
    fd_entry *fds;
    uint32_t nfds;
    uint32_t cap_fds;
    uint32_t preopens_loaded;
    uint32_t args_loaded;
    list_ref args;
    uint32_t env_loaded;
    list_ref env;
    uint32_t free_head; /* most recently freed fd + 1; 0: none */
    /* cabi_realloc's answer for the next list while direct_cap != 0: a guest
     * buffer the host writes into directly (file.c read_direct) */
    uint32_t direct_dst;
    uint32_t direct_cap;
} shim_state;

#define STATE ((shim_state *)STATE_ADDR)
_Static_assert(STATE_ADDR + sizeof(shim_state) <= STACK_LIMIT && STACK_LIMIT <= 128, "the state fits");

/* core.c: start-up, private memory, guest-memory checks, the fd table, stdio */
uint32_t capabilities(void);
static inline int granted(uint32_t cap) { return (capabilities() & cap) != 0; }
void arena_reset(void);
void *arena_alloc(uint32_t size, uint32_t align);
/* Keep everything allocated so far in this call across calls. */
static inline void heap_commit(void) { STATE->heap_top = STATE->arena_ptr; }
/* back to `mark`, but never below what heap_commit kept since */
static inline void arena_rewind(uint32_t mark) {
    STATE->arena_ptr = mark > STATE->heap_top ? mark : STATE->heap_top;
}
void copy_private(void *dst, const void *src, uint32_t len);
static inline void zero_private(void *dst, uint32_t len) { copy_private(dst, 0, len); }
/* Persistent private memory (never freed; callers reuse what they get).
 * Inline: three callers, short. */
static inline void *heap_alloc(uint32_t size) {
    void *p = arena_alloc(size, 8);
    heap_commit();
    return p;
}
int guest_range_ok(uint32_t addr, uint64_t len);
void guest_check(uint32_t addr, uint64_t len);
void check_iovecs(uint32_t iovs, uint32_t n);
fd_entry *fd_get(uint32_t fd);
fd_entry *fd_get_all(uint32_t fd);
fd_entry *fd_typed(fd_entry *e);
/* The streams behind stdio entries, fetched on first use (two functions, so
 * writing never imports wasi:cli/stdin nor reading wasi:cli/stdout); inline:
 * each has one caller besides poll_oneoff. */
static inline uint32_t stdin_stream(fd_entry *e) {
    if (!e->handle) e->handle = (uint32_t)wasi_cli_stdin_get_stdin();
    return e->handle;
}
static inline uint32_t output_stream(fd_entry *e) {
    if (!e->handle)
        e->handle = (uint32_t)(e->kind == FD_STDOUT ? wasi_cli_stdout_get_stdout()
                                                    : wasi_cli_stderr_get_stderr());
    return e->handle;
}
uint32_t stdio_filetype(uint32_t kind);
void fd_release(fd_entry *e);
fd_entry *fd_reserve(uint32_t fd); /* entry fd exists (zeroed if new) */
/* (named for gc: only fd_readdir opens directory streams; see weak_path_open__*) */
void weak_fd_readdir__drop_stream(fd_entry *e);
/* `unreachable` where it happens (one byte, and the trap's backtrace ends
 * in the function that gave up) */
static inline __attribute__((noreturn)) void trap(void) { __builtin_trap(); }

/* fs.c: wasi:filesystem values as preview1 ones */
int32_t fs_errno(uint32_t code);
/* a result<_, error-code> area in the arena, and its value as an errno */
static inline uint32_t unit_ret(void) { return (uint32_t)(uintptr_t)arena_alloc(2, 1); }
int32_t unit_result(uint32_t ret);
int32_t guest_path(uint32_t ptr, uint32_t len, uint32_t *out);
int32_t dir_handle(uint32_t fd, uint32_t *handle);
uint32_t filetype_of(uint32_t p2type);
int32_t descriptor_type(uint32_t handle);
/* A filestat in private memory, so that preview1 and preview0 (whose
 * layouts differ) share everything but the final store. */
typedef struct filestat {
    uint64_t dev, ino, nlink, size, atim, mtim, ctim;
    uint32_t filetype;
} filestat;
void filestat_from(filestat *fs, uint32_t st, uint64_t ino);
void put_filestat(uint32_t out, const filestat *fs);
typedef struct new_ts {
    uint32_t tag;
    uint32_t nanos;
    uint64_t secs;
} new_ts;
int32_t new_times(uint64_t atim, uint64_t mtim, uint32_t fst, new_ts *a, new_ts *m);

/* Functions named `weak_path_open__<what>` are weak edges for gc
 * (componentize/shim/gc.py): unless path_open is kept, each one's body
 * becomes `unreachable` and what it calls goes.  Only path_open makes file
 * entries and untyped ones, so these are reached only through them. */

/* file.c: files */
int32_t fd_filestat(uint32_t fd, filestat *fs);
int32_t weak_path_open__file_write(fd_entry *e, uint32_t iovs, uint32_t n, uint64_t off, uint32_t out,
                                   int seek);
int32_t weak_path_open__file_read(fd_entry *e, uint32_t iovs, uint32_t n, uint32_t out);
int32_t weak_path_open__file_seek(fd_entry *e, int64_t offset, uint32_t whence, uint32_t out);

/* path.c: the type of an entry path_open left untyped */
void weak_path_open__resolve_type(fd_entry *e);
int32_t path_filestat(uint32_t fd, uint32_t flags, uint32_t path, uint32_t len, filestat *fs);

/* preview1 entry points that preview0.c converts around */
int32_t shim_fd_seek(uint32_t fd, int64_t offset, uint32_t whence, uint32_t out);
int32_t shim_fd_fdstat_get(uint32_t fd, uint32_t out);
int32_t poll_oneoff(uint32_t in, uint32_t out, uint32_t nsubs, uint32_t nevents_out,
                    uint32_t sub_size, uint32_t clock_at);

static inline uint32_t load32(uint32_t addr) { return *(uint32_t *)addr; }
static inline uint64_t load64(uint32_t addr) { return *(uint64_t *)addr; }
static inline uint32_t load8(uint32_t addr) { return *(uint8_t *)addr; }

#endif
