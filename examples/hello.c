// The bundled example: a WASI preview1 command that greets and prints its arguments.
// Built (and rebuilt, byte for byte) with the hosted zig profile at -Oz:
//   python -m toolchains build examples/hello.c -O Oz -o examples/hello.wasm
#include <stdio.h>

int main(int argc, char **argv) {
    printf("Hello from a WASI preview1 module!\n");
    printf("%d argument%s\n", argc - 1, argc == 2 ? "" : "s");
    for (int i = 1; i < argc; i++) printf("  argv[%d] = %s\n", i, argv[i]);
    return 0;
}
