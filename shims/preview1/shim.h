/* Shared declarations of the preview1 shim.
 *
 * Freestanding: no libc, no data segments, no static variables.  All state
 * lives in the shim's private memory (memory 0) at a fixed address above the
 * stack; it is set up by shim_init, which the post-processor makes the
 * module's start function.
 *
 * Private memory layout:
 *   [0, STACK_TOP)            C stack (grows down; __stack_pointer = STACK_TOP)
 *   [STATE_ADDR, +state)      struct shim_state
 *   [HEAP_BASE, heap_top)     persistent allocations (fd table, caches)
 *   [heap_top, arena_ptr)     per-call arena (cabi_realloc), reset per call
 */
#ifndef SHIM_H
#define SHIM_H

#include <stdint.h>
#include <stddef.h>

#include "guest.h"
#include "wasi_imports.h"

#define STACK_TOP 32768
#define STATE_ADDR ((uint32_t)STACK_TOP)
#define HEAP_BASE (STATE_ADDR + 256u)
#define PAGE 65536u

#define EXPORT(name) __attribute__((export_name(name)))
#define NOINLINE __attribute__((noinline))

/* preview1 errno values (witx typenames: errno) */
enum {
    ERRNO_SUCCESS = 0,
    ERRNO_BADF = 8,
    ERRNO_INVAL = 28,
    ERRNO_IO = 29,
    ERRNO_NAMETOOLONG = 37,
    ERRNO_NOTDIR = 54,
    ERRNO_PIPE = 64,
    ERRNO_SPIPE = 70,
};

/* canonical ABI discriminants of result and option */
enum { RESULT_OK = 0, RESULT_ERR = 1, OPTION_NONE = 0, OPTION_SOME = 1 };

/* preview1 filetype */
enum {
    FILETYPE_UNKNOWN = 0,
    FILETYPE_CHARACTER_DEVICE = 2,
    FILETYPE_DIRECTORY = 3,
};

/* kinds of descriptor-table entries */
enum {
    FD_FREE = 0,
    FD_STDIN = 1,
    FD_STDOUT = 2,
    FD_STDERR = 3,
    FD_DIR = 4,
};

typedef struct fd_entry {
    uint32_t kind;
    uint32_t handle;   /* stream (stdio) or descriptor (dirs); 0: not fetched yet */
    uint32_t name_ptr; /* preopen path (private memory), not NUL-terminated */
    uint32_t name_len;
    uint32_t preopen;  /* 1 for the host's preopened directories */
} fd_entry;

typedef struct list_ref {
    uint32_t ptr;
    uint32_t len;
} list_ref;

typedef struct shim_state {
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
} shim_state;

#define STATE ((shim_state *)STATE_ADDR)

/* core.c */
void arena_reset(void);
void *arena_alloc(uint32_t size, uint32_t align);
void heap_commit(void);
void copy_private(void *dst, const void *src, uint32_t len);
int guest_range_ok(uint32_t addr, uint64_t len);
void guest_check(uint32_t addr, uint64_t len);
fd_entry *fd_get(uint32_t fd);
fd_entry *fd_get_all(uint32_t fd);
uint32_t stdin_stream(fd_entry *e);
uint32_t output_stream(fd_entry *e);
void fd_release(fd_entry *e);
__attribute__((noreturn)) void trap(void);

static inline uint32_t load32(uint32_t addr) { return *(uint32_t *)addr; }
static inline uint64_t load64(uint32_t addr) { return *(uint64_t *)addr; }
static inline uint32_t load8(uint32_t addr) { return *(uint8_t *)addr; }

#endif
