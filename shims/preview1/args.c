/* args_get, args_sizes_get, environ_get, environ_sizes_get */
#include "shim.h"

/* get-arguments: list<string>, cached for the life of the instance (in
 * STATE->args).  Denied: none (the list stays empty, as shim_init left it).
 * Inlined into args_bytes, as env_list into env_bytes: both callers of each
 * ask the two. */
static inline void args_list(void) {
    shim_state *s = STATE;
    if (!s->args_loaded) {
        s->args_loaded = 1;
        if (granted(CAP_ENVIRONMENT)) {
            list_ref *ret = arena_alloc(WASI_CLI_ENVIRONMENT_GET_ARGUMENTS_RET_SIZEOF,
                                        WASI_CLI_ENVIRONMENT_GET_ARGUMENTS_RET_ALIGNOF);
            wasi_cli_environment_get_arguments((int32_t)(uintptr_t)ret);
            s->args = *ret;
            heap_commit();
        }
    }
}

/* get-environment: list<tuple<string, string>>, cached likewise. */
static inline void env_list(void) {
    shim_state *s = STATE;
    if (!s->env_loaded) {
        s->env_loaded = 1;
        if (granted(CAP_ENVIRONMENT)) {
            list_ref *ret = arena_alloc(WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_SIZEOF,
                                        WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_ALIGNOF);
            wasi_cli_environment_get_environment((int32_t)(uintptr_t)ret);
            s->env = *ret;
            heap_commit();
        }
    }
}

_Static_assert(WASI_CLI_ENVIRONMENT_GET_ARGUMENTS_RET_PTR == 0 &&
                   WASI_CLI_ENVIRONMENT_GET_ARGUMENTS_RET_LEN == 4 &&
                   WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_PTR == 0 &&
                   WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_LEN == 4,
               "a list result is a list_ref");

#define ARG_ELEM WASI_CLI_ENVIRONMENT_GET_ARGUMENTS_RET_ELEM_SIZEOF
#define ARG_PTR WASI_CLI_ENVIRONMENT_GET_ARGUMENTS_RET_ELEM_PTR
#define ARG_LEN WASI_CLI_ENVIRONMENT_GET_ARGUMENTS_RET_ELEM_LEN
#define ENV_ELEM WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_ELEM_SIZEOF
#define ENV_KEY_PTR WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_ELEM_F0_PTR
#define ENV_KEY_LEN WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_ELEM_F0_LEN
#define ENV_VAL_PTR WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_ELEM_F1_PTR
#define ENV_VAL_LEN WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_ELEM_F1_LEN

/* Bytes args_get writes: every argument and its NUL (the arguments loaded). */
static NOINLINE uint32_t args_bytes(void) {
    args_list();
    const list_ref *a = &STATE->args;
    uint32_t size = 0;
    for (uint32_t i = 0; i < a->len; i++) size += load32(a->ptr + i * ARG_ELEM + ARG_LEN) + 1;
    return size;
}

/* Bytes environ_get writes: every KEY=VALUE and its NUL (the environment loaded). */
static NOINLINE uint32_t env_bytes(void) {
    env_list();
    const list_ref *v = &STATE->env;
    uint32_t size = 0;
    for (uint32_t i = 0; i < v->len; i++) {
        uint32_t e = v->ptr + i * ENV_ELEM;
        size += load32(e + ENV_KEY_LEN) + load32(e + ENV_VAL_LEN) + 2;
    }
    return size;
}

EXPORT("args_sizes_get") int32_t shim_args_sizes_get(uint32_t argc_out, uint32_t size_out) {
    arena_reset();
    uint32_t size = args_bytes();
    list_ref *a = &STATE->args;
    guest_store_u32(argc_out, a->len);
    guest_store_u32(size_out, size);
    return ERRNO_SUCCESS;
}

EXPORT("args_get") int32_t shim_args_get(uint32_t argv, uint32_t buf) {
    arena_reset();
    uint32_t size = args_bytes();
    list_ref *a = &STATE->args;
    guest_check(argv, (uint64_t)a->len * 4);
    guest_check(buf, size);
    for (uint32_t e = a->ptr, end = e + a->len * ARG_ELEM; e != end; e += ARG_ELEM, argv += 4) {
        uint32_t len = load32(e + ARG_LEN);
        guest_store_u32(argv, buf);
        guest_copy_out(buf, (const void *)(uintptr_t)load32(e + ARG_PTR), len);
        guest_store_u8(buf + len, 0);
        buf += len + 1;
    }
    return ERRNO_SUCCESS;
}

EXPORT("environ_sizes_get") int32_t shim_environ_sizes_get(uint32_t count_out, uint32_t size_out) {
    arena_reset();
    uint32_t size = env_bytes();
    list_ref *v = &STATE->env;
    guest_store_u32(count_out, v->len);
    guest_store_u32(size_out, size);
    return ERRNO_SUCCESS;
}

EXPORT("environ_get") int32_t shim_environ_get(uint32_t environ, uint32_t buf) {
    arena_reset();
    uint32_t size = env_bytes();
    list_ref *v = &STATE->env;
    guest_check(environ, (uint64_t)v->len * 4);
    guest_check(buf, size);
    for (uint32_t e = v->ptr, end = e + v->len * ENV_ELEM; e != end; e += ENV_ELEM, environ += 4) {
        uint32_t klen = load32(e + ENV_KEY_LEN), vlen = load32(e + ENV_VAL_LEN);
        guest_store_u32(environ, buf);
        guest_copy_out(buf, (const void *)(uintptr_t)load32(e + ENV_KEY_PTR), klen);
        guest_store_u8(buf + klen, '=');
        guest_copy_out(buf + klen + 1, (const void *)(uintptr_t)load32(e + ENV_VAL_PTR), vlen);
        guest_store_u8(buf + klen + 1 + vlen, 0);
        buf += klen + vlen + 2;
    }
    return ERRNO_SUCCESS;
}
