/* TEMPORARY hand-written stand-in; replaced by the generated header. */
#ifndef WASI_IMPORTS_H
#define WASI_IMPORTS_H
#include <stdint.h>
#define IMP(m, n) __attribute__((import_module(m), import_name(n)))
IMP("wasi:filesystem/preopens@0.2.12", "get-directories") void wasi_filesystem_preopens_get_directories(int32_t);
#define WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_SIZE 8
#define WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_ALIGN 4
#define WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_PTR 0
#define WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_LEN 4
#define WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_ELEM_SIZE 12
#define WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_ELEM_F0 0
#define WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_ELEM_F1_PTR 4
#define WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_ELEM_F1_LEN 8
IMP("wasi:cli/stdin@0.2.12", "get-stdin") int32_t wasi_cli_stdin_get_stdin(void);
IMP("wasi:cli/stdout@0.2.12", "get-stdout") int32_t wasi_cli_stdout_get_stdout(void);
IMP("wasi:cli/stderr@0.2.12", "get-stderr") int32_t wasi_cli_stderr_get_stderr(void);
IMP("wasi:io/streams@0.2.12", "[resource-drop]input-stream") void wasi_io_streams_resource_drop_input_stream(int32_t);
IMP("wasi:io/streams@0.2.12", "[resource-drop]output-stream") void wasi_io_streams_resource_drop_output_stream(int32_t);
IMP("wasi:filesystem/types@0.2.12", "[resource-drop]descriptor") void wasi_filesystem_types_resource_drop_descriptor(int32_t);
IMP("wasi:cli/environment@0.2.12", "get-arguments") void wasi_cli_environment_get_arguments(int32_t);
IMP("wasi:cli/environment@0.2.12", "get-environment") void wasi_cli_environment_get_environment(int32_t);
#define WASI_CLI_ENVIRONMENT_GET_ARGUMENTS_RET_SIZE 8
#define WASI_CLI_ENVIRONMENT_GET_ARGUMENTS_RET_ALIGN 4
#define WASI_CLI_ENVIRONMENT_GET_ARGUMENTS_RET_PTR 0
#define WASI_CLI_ENVIRONMENT_GET_ARGUMENTS_RET_LEN 4
#define WASI_CLI_ENVIRONMENT_GET_ARGUMENTS_RET_ELEM_SIZE 8
#define WASI_CLI_ENVIRONMENT_GET_ARGUMENTS_RET_ELEM_PTR 0
#define WASI_CLI_ENVIRONMENT_GET_ARGUMENTS_RET_ELEM_LEN 4
#define WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_SIZE 8
#define WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_ALIGN 4
#define WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_PTR 0
#define WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_LEN 4
#define WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_ELEM_SIZE 16
#define WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_ELEM_F0_PTR 0
#define WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_ELEM_F0_LEN 4
#define WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_ELEM_F1_PTR 8
#define WASI_CLI_ENVIRONMENT_GET_ENVIRONMENT_RET_ELEM_F1_LEN 12
IMP("wasi:clocks/wall-clock@0.2.12", "now") void wasi_clocks_wall_clock_now(int32_t);
IMP("wasi:clocks/wall-clock@0.2.12", "resolution") void wasi_clocks_wall_clock_resolution(int32_t);
#define WASI_CLOCKS_WALL_CLOCK_NOW_RET_SIZE 16
#define WASI_CLOCKS_WALL_CLOCK_NOW_RET_ALIGN 8
#define WASI_CLOCKS_WALL_CLOCK_NOW_RET_SECONDS 0
#define WASI_CLOCKS_WALL_CLOCK_NOW_RET_NANOSECONDS 8
#define WASI_CLOCKS_WALL_CLOCK_RESOLUTION_RET_SIZE 16
#define WASI_CLOCKS_WALL_CLOCK_RESOLUTION_RET_ALIGN 8
IMP("wasi:clocks/monotonic-clock@0.2.12", "now") int64_t wasi_clocks_monotonic_clock_now(void);
IMP("wasi:clocks/monotonic-clock@0.2.12", "resolution") int64_t wasi_clocks_monotonic_clock_resolution(void);
IMP("wasi:random/random@0.2.12", "get-random-bytes") void wasi_random_random_get_random_bytes(int64_t, int32_t);
#define WASI_RANDOM_RANDOM_GET_RANDOM_BYTES_RET_SIZE 8
#define WASI_RANDOM_RANDOM_GET_RANDOM_BYTES_RET_ALIGN 4
#define WASI_RANDOM_RANDOM_GET_RANDOM_BYTES_RET_PTR 0
#define WASI_RANDOM_RANDOM_GET_RANDOM_BYTES_RET_LEN 4
IMP("wasi:cli/exit@0.2.12", "exit") void wasi_cli_exit_exit(int32_t);
IMP("wasi:cli/exit@0.2.12", "exit-with-code") void wasi_cli_exit_exit_with_code(int32_t);
IMP("wasi:io/streams@0.2.12", "[method]output-stream.blocking-write-and-flush") void wasi_io_streams_method_output_stream_blocking_write_and_flush(int32_t, int32_t, int32_t, int32_t);
#define WASI_IO_STREAMS_METHOD_OUTPUT_STREAM_BLOCKING_WRITE_AND_FLUSH_RET_SIZE 12
#define WASI_IO_STREAMS_METHOD_OUTPUT_STREAM_BLOCKING_WRITE_AND_FLUSH_RET_ALIGN 4
#define WASI_IO_STREAMS_METHOD_OUTPUT_STREAM_BLOCKING_WRITE_AND_FLUSH_RET_TAG 0
#define WASI_IO_STREAMS_METHOD_OUTPUT_STREAM_BLOCKING_WRITE_AND_FLUSH_RET_ERR_TAG 4
#define WASI_IO_STREAMS_METHOD_OUTPUT_STREAM_BLOCKING_WRITE_AND_FLUSH_RET_ERR_LAST_OPERATION_FAILED 8
IMP("wasi:io/streams@0.2.12", "[method]input-stream.blocking-read") void wasi_io_streams_method_input_stream_blocking_read(int32_t, int64_t, int32_t);
IMP("wasi:io/streams@0.2.12", "[method]input-stream.read") void wasi_io_streams_method_input_stream_read(int32_t, int64_t, int32_t);
#define WASI_IO_STREAMS_METHOD_INPUT_STREAM_BLOCKING_READ_RET_SIZE 12
#define WASI_IO_STREAMS_METHOD_INPUT_STREAM_BLOCKING_READ_RET_ALIGN 4
#define WASI_IO_STREAMS_METHOD_INPUT_STREAM_BLOCKING_READ_RET_TAG 0
#define WASI_IO_STREAMS_METHOD_INPUT_STREAM_BLOCKING_READ_RET_OK_PTR 4
#define WASI_IO_STREAMS_METHOD_INPUT_STREAM_BLOCKING_READ_RET_OK_LEN 8
#define WASI_IO_STREAMS_METHOD_INPUT_STREAM_BLOCKING_READ_RET_ERR_TAG 4
#define WASI_IO_STREAMS_METHOD_INPUT_STREAM_BLOCKING_READ_RET_ERR_LAST_OPERATION_FAILED 8
#define WASI_IO_STREAMS_STREAM_ERROR_CLOSED 1
IMP("wasi:io/error@0.2.12", "[resource-drop]error") void wasi_io_error_resource_drop_error(int32_t);
IMP("wasi:cli/terminal-stdin@0.2.12", "get-terminal-stdin") void wasi_cli_terminal_stdin_get_terminal_stdin(int32_t);
IMP("wasi:cli/terminal-stdout@0.2.12", "get-terminal-stdout") void wasi_cli_terminal_stdout_get_terminal_stdout(int32_t);
IMP("wasi:cli/terminal-stderr@0.2.12", "get-terminal-stderr") void wasi_cli_terminal_stderr_get_terminal_stderr(int32_t);
#define WASI_CLI_TERMINAL_STDIN_GET_TERMINAL_STDIN_RET_SIZE 8
#define WASI_CLI_TERMINAL_STDIN_GET_TERMINAL_STDIN_RET_ALIGN 4
#define WASI_CLI_TERMINAL_STDIN_GET_TERMINAL_STDIN_RET_TAG 0
#define WASI_CLI_TERMINAL_STDIN_GET_TERMINAL_STDIN_RET_SOME 4
#define WASI_CLI_TERMINAL_STDOUT_GET_TERMINAL_STDOUT_RET_TAG 0
#define WASI_CLI_TERMINAL_STDOUT_GET_TERMINAL_STDOUT_RET_SOME 4
#define WASI_CLI_TERMINAL_STDERR_GET_TERMINAL_STDERR_RET_TAG 0
#define WASI_CLI_TERMINAL_STDERR_GET_TERMINAL_STDERR_RET_SOME 4
IMP("wasi:cli/terminal-input@0.2.12", "[resource-drop]terminal-input") void wasi_cli_terminal_input_resource_drop_terminal_input(int32_t);
IMP("wasi:cli/terminal-output@0.2.12", "[resource-drop]terminal-output") void wasi_cli_terminal_output_resource_drop_terminal_output(int32_t);
#endif
