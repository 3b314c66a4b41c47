/* Guest-memory accessors.
 *
 * The shim's own memory (stack, state, arena) is memory 0.  The guest's
 * (main module's) memory is reached ONLY through these intrinsics.  They are
 * imported from the pseudo-module "componentize:guest"; the post-processor
 * (toolchains/shim/postprocess.py) replaces every call with the matching
 * instruction on memory 1 (load/store/memory.size; the copies become calls
 * of its memory.copy replacements) and removes the imports, so none of them
 * survives in the built shim.
 *
 * A load or store at `p + K` (K a constant) becomes the instruction at p with
 * offset K, which traps where the sum would wrap around 2^32: its range must
 * be checked first (guest_check, check_iovecs), as everywhere but in the
 * functions the post-processor lists in UNCHECKED.
 */
#ifndef SHIM_GUEST_H
#define SHIM_GUEST_H

#include <stdint.h>

#define GUEST_INTRINSIC(n) __attribute__((import_module("componentize:guest"), import_name(n)))

GUEST_INTRINSIC("load_u8") uint32_t guest_load_u8(uint32_t addr);
GUEST_INTRINSIC("load_u16") uint32_t guest_load_u16(uint32_t addr);
GUEST_INTRINSIC("load_u32") uint32_t guest_load_u32(uint32_t addr);
GUEST_INTRINSIC("load_u64") uint64_t guest_load_u64(uint32_t addr);
GUEST_INTRINSIC("store_u8") void guest_store_u8(uint32_t addr, uint32_t value);
GUEST_INTRINSIC("store_u16") void guest_store_u16(uint32_t addr, uint32_t value);
GUEST_INTRINSIC("store_u32") void guest_store_u32(uint32_t addr, uint32_t value);
GUEST_INTRINSIC("store_u64") void guest_store_u64(uint32_t addr, uint64_t value);
/* The copies are memory.copy without its bounds checks: the caller checks
 * the guest's range first (guest_check, check_iovecs), and the private one
 * is the shim's own allocation (toolchains/shim/postprocess.py). */
/* as memory.copy 0 <- 1: private_dst (memory 0) from guest_src (memory 1) */
GUEST_INTRINSIC("copy_in") void guest_copy_in(void *private_dst, uint32_t guest_src, uint32_t len);
/* as memory.copy 1 <- 0: guest_dst (memory 1) from private_src (memory 0) */
GUEST_INTRINSIC("copy_out") void guest_copy_out(uint32_t guest_dst, const void *private_src, uint32_t len);
/* memory.size 1, in 64 KiB pages */
GUEST_INTRINSIC("size") uint32_t guest_pages(void);
/* `i32.const 0; call_indirect (type (func)) <start table>`: the guest's _start,
 * placed in slot 0 of the table import ("componentize:guest", "start-table")
 * by the assembler. */
GUEST_INTRINSIC("call_start") void guest_call_start(void);

#endif
