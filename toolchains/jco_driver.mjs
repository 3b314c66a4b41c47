// Drives jco for toolchains/jco.py (copied next to the npm install it uses).
//
//   node jco_driver.mjs transpile JOBS.json   JOBS: [[component.wasm, out_dir], ...]
//   node jco_driver.mjs run OUT_DIR CONFIG.json
//   node jco_driver.mjs call JOBS.json        JOBS: [{out_dir, host, env, steps, result}, ...]
//
// `run` instantiates a transpiled command component with preview2-shim's
// WASIShim (args, env and preopens from CONFIG, no network), calls its
// wasi:cli/run export and exits as the wasmtime CLI would: the guest's exit
// code, 1 when `run` returns err, 134 on a trap.  What happened goes to
// CONFIG.result as JSON, never to the guest's stdout/stderr.
//
// `call` instantiates each job's transpiled component afresh, with WASIShim
// (the job's env) plus the imports of a host module written in JavaScript,
// runs its steps (export calls with typed values, handle drops, calls into
// the host module) and writes what each returned or threw, and what the host
// recorded, to the job's result file.  The JSON encoding of values is
// `encode`/`decode` below, mirrored by toolchains/jco.py.
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

// ---------------------------------------------------------------- call

// Values cross JSON with a few tagged objects (WIT names never start with $):
// {$bigint: "123"} for u64/s64, {$bytes: "hex"} for a Uint8Array
// (list<u8>), {$float: "NaN"} for a number JSON cannot carry, {$handle: name}
// for a resource object bound by an earlier step, {$resource: class} for a
// resource object in a result; null is undefined (an option's none).
function encode(value) {
  if (value === undefined || value === null) return null;
  if (typeof value === "bigint") return { $bigint: value.toString() };
  if (typeof value === "number") {
    if (Object.is(value, -0)) return { $float: "-0" };
    return Number.isFinite(value) ? value : { $float: String(value) };
  }
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString("hex") };
  if (ArrayBuffer.isView(value) || Array.isArray(value)) return Array.from(value, encode);
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return { $resource: value.constructor.name };
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  }
  return value;
}

function decode(value, handles) {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map((v) => decode(v, handles));
  if (typeof value !== "object") return value;
  if ("$bigint" in value) return BigInt(value.$bigint);
  if ("$bytes" in value) return new Uint8Array(Buffer.from(value.$bytes, "hex"));
  if ("$float" in value) return Number(value.$float);
  if ("$handle" in value) {
    if (!handles.has(value.$handle)) throw new DriverError(`no handle named ${value.$handle}`);
    return handles.get(value.$handle);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v, handles)]));
}

class DriverError extends Error {}

// jco's names: functions, methods and record fields in camelCase, resources
// as classes in PascalCase (see the generated .d.ts).
const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const pascal = (name) => camel(name).replace(/^./, (c) => c.toUpperCase());

function invoke(root, [iface, func], args) {
  const scope = iface === null ? root : root[iface];
  if (scope === undefined) throw new DriverError(`no export ${iface}`);
  let m;
  if ((m = /^\[constructor\](.+)$/.exec(func))) return new scope[pascal(m[1])](...args);
  if ((m = /^\[method\][^.]+\.(.+)$/.exec(func))) return args[0][camel(m[1])](...args.slice(1));
  if ((m = /^\[static\]([^.]+)\.(.+)$/.exec(func))) return scope[pascal(m[1])][camel(m[2])](...args);
  if (typeof scope[camel(func)] !== "function") throw new DriverError(`no function ${func}`);
  return scope[camel(func)](...args);
}

// jco's (and Symbol.dispose's) key for dropping a resource handle.
const symbolDispose = Symbol.dispose || Symbol.for("dispose");

function step(root, host, handles, s) {
  if ("drop" in s) {
    handles.get(s.drop)[symbolDispose]();
    handles.delete(s.drop);
    return undefined;
  }
  if ("host" in s) return host[s.host](...decode(s.args ?? [], handles));
  const ret = invoke(root, s.call, decode(s.args ?? [], handles));
  if (s.bind) handles.set(s.bind, ret);
  return ret;
}

// What a step threw: a result's err payload (jco throws it as is, or wrapped
// in a ComponentError), a trap, a guest's exit, or anything else.
function failure(error) {
  if (error instanceof GuestExit) return { outcome: "exit", value: error.code };
  if (error instanceof WebAssembly.RuntimeError) return { outcome: "trap", message: error.message };
  if (error instanceof DriverError) return { outcome: "driver", message: error.message };
  if (error && error.constructor && error.constructor.name === "ComponentError" && "payload" in error) {
    return { outcome: "thrown", value: encode(error.payload) };
  }
  if (error instanceof Error) return { outcome: "error", message: `${error.name}: ${error.message}` };
  return { outcome: "thrown", value: encode(error) };
}

class GuestExit extends Error {
  constructor(code) { super(`exit ${code}`); this.code = code; }
}

const compiled = new Map();
function compileOnce(outDir, name) {
  const key = join(outDir, name);
  if (!compiled.has(key)) compiled.set(key, WebAssembly.compile(readFileSync(key)));
  return compiled.get(key);
}

async function callJob(job, index) {
  const { WASIShim } = await import("@bytecodealliance/preview2-shim/instantiation");
  const shim = new WASIShim({
    sandbox: { preopens: {}, env: job.env, args: ["main.wasm"], enableNetwork: false },
  });
  const host = (await import(pathToFileURL(job.host).href)).createHost();
  // A fresh copy of component.js per job: its module-level state (handle
  // tables, the trapped flag) must not leak from one instance into the next.
  const url = `${pathToFileURL(join(job.out_dir, "component.js")).href}?job=${index}`;
  const { instantiate } = await import(url);
  let root;
  try {
    root = await instantiate((name) => compileOnce(job.out_dir, name), {
      ...shim.getImportObject(), ...host.imports,
    });
  } catch (error) {
    return { instantiate: failure(error), results: [], host: encode(host.records()) };
  }
  const handles = new Map();
  const results = [];
  for (const s of job.steps) {
    try {
      results.push({ outcome: "ok", value: encode(step(root, host, handles, s)) });
    } catch (error) {
      results.push(failure(error));
    }
  }
  return { instantiate: null, results, host: encode(host.records()) };
}

async function call(jobsPath) {
  const exit = process.exit.bind(process);
  process.exit = (code) => { throw new GuestExit(code ?? 0); };
  const jobs = JSON.parse(readFileSync(jobsPath, "utf8"));
  for (const [index, job] of jobs.entries()) {
    writeFileSync(job.result, JSON.stringify(await callJob(job, index)));
  }
  await new Promise((resolve) => process.stdout.write("", resolve));
  exit(0);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === "transpile") await transpile(...rest);
else if (mode === "run") await run(...rest);
else if (mode === "call") await call(...rest);
else { console.error(`unknown mode ${mode}`); process.exit(2); }
