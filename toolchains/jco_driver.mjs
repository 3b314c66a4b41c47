// Drives jco for toolchains/jco.py (copied next to the npm install it uses).
//
//   node jco_driver.mjs transpile JOBS.json   JOBS: [[component.wasm, out_dir], ...]
//   node jco_driver.mjs run OUT_DIR CONFIG.json
//
// `run` instantiates a transpiled command component with preview2-shim's
// WASIShim (args, env and preopens from CONFIG, no network), calls its
// wasi:cli/run export and exits as the wasmtime CLI would: the guest's exit
// code, 1 when `run` returns err, 134 on a trap.  What happened goes to
// CONFIG.result as JSON, never to the guest's stdout/stderr.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const TRAP_EXIT_CODE = 134;

async function transpile(jobsPath) {
  const { transpileBytes } = await import("@bytecodealliance/jco-transpile");
  for (const [input, outDir] of JSON.parse(readFileSync(jobsPath, "utf8"))) {
    const { files } = await transpileBytes(readFileSync(input), {
      name: "component", instantiation: "async", noTypescript: true, quiet: true,
    });
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, "package.json"), '{"type": "module"}\n');
    for (const [name, bytes] of Object.entries(files)) {
      mkdirSync(join(outDir, name, ".."), { recursive: true });
      writeFileSync(join(outDir, name), bytes);
    }
  }
}

async function run(outDir, configPath) {
  const config = JSON.parse(readFileSync(configPath, "utf8"));
  const report = (outcome, code, message = "") => {
    writeFileSync(config.result, JSON.stringify({ outcome, code, message }));
  };
  const { WASIShim } = await import("@bytecodealliance/preview2-shim/instantiation");
  const shim = new WASIShim({
    sandbox: { preopens: config.preopens, env: config.env, args: config.args, enableNetwork: false },
  });
  // A guest's exit reaches preview2-shim's process.exit: unwind the guest
  // instead, then end once stdout and stderr are flushed (process.exit on a
  // pipe drops what is still queued).
  class GuestExit extends Error {
    constructor(code) { super(`exit ${code}`); this.code = code; }
  }
  const exit = process.exit.bind(process);
  process.exit = (code) => { throw new GuestExit(code ?? 0); };
  const { instantiate } = await import(pathToFileURL(join(outDir, "component.js")).href);
  let outcome = "returned", code = 0, message = "";
  try {
    const loader = (name) => WebAssembly.compile(readFileSync(join(outDir, name)));
    const instance = await instantiate(loader, shim.getImportObject());
    const key = Object.keys(instance).find((k) => k === "run" || k.startsWith("wasi:cli/run"));
    instance[key].run();
  } catch (error) {
    if (error instanceof GuestExit) {
      [outcome, code] = ["exit", error.code];
    } else if (error instanceof WebAssembly.RuntimeError) {
      [outcome, code, message] = ["trap", TRAP_EXIT_CODE, error.message];
    } else if (error && error.constructor && error.constructor.name === "ComponentError") {
      [outcome, code] = ["returned", 1];
    } else {
      [outcome, code, message] = ["error", 1, String((error && error.stack) || error)];
    }
  }
  report(outcome, code, message);
  await new Promise((resolve) => process.stdout.write("", resolve));
  await new Promise((resolve) => process.stderr.write("", resolve));
  process.exitCode = code;
  exit(code);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === "transpile") await transpile(...rest);
else if (mode === "run") await run(...rest);
else { console.error(`unknown mode ${mode}`); process.exit(2); }
