// The world `typed`'s imports in JavaScript, for components under jco
// (toolchains/jco.py call_many): the counterpart of oracle.Host in Python.
// It behaves as that one does and records the same things under the same
// names, so a test compares the two records as they are.
//
// A host module for the jco driver exports createHost(), called once per
// instance: {imports, records(), ...methods a test's steps may call}.

// The generated component.js reads the interface without its version
// (`imports['test:typed/host']`), its .d.ts names it with: give both.
const HOST = "test:typed/host@0.1.0";
const HOST_UNVERSIONED = "test:typed/host";
// oracle.Host numbers its counters 1001, 1002...: the reps wasmtime gives them
const FIRST_COUNTER = 1000;

export function createHost() {
  const state = {
    hostname: "pyhost",
    now: 42n,
    logs: [],
    scaled: [],
    checksums: [],
    counters: new Map(), // id -> value, while alive
    counters_made: 0,
    counters_dropped: [],
    now_calls: 0,
  };

  class Counter {
    constructor(start) {
      state.counters_made += 1;
      this.id = FIRST_COUNTER + state.counters_made;
      state.counters.set(this.id, start);
    }

    bump(by) {
      const value = (state.counters.get(this.id) + by) >>> 0;
      state.counters.set(this.id, value);
      return value;
    }

    // jco calls it when the guest drops its own handle: the host's destructor
    [Symbol.dispose || Symbol.for("dispose")]() {
      state.counters_dropped.push(this.id);
      state.counters.delete(this.id);
    }
  }

  const host = {
    log(msg) { state.logs.push(msg); },
    add(a, b) { return (a + b) >>> 0; },
    scale(p, k) {
      state.scaled.push([p.x, p.y, k]);
      return { x: Math.trunc(p.x * k), y: Math.trunc(p.y * k) };
    },
    checksum(data) {
      state.checksums.push(new Uint8Array(data)); // a copy: the view is the guest's memory
      return data.reduce((sum, byte) => sum + BigInt(byte), 0n);
    },
    hostname() { return state.hostname; },
    Counter,
  };

  return {
    imports: {
      [HOST]: host,
      [HOST_UNVERSIONED]: host,
      now: { default() { state.now_calls += 1; return state.now; } },
    },
    // what the test changes between calls, as it does on oracle.Host
    set(name, value) { state[name] = value; },
    // its argument as the driver decoded it: checks the driver's JSON encoding
    echo(value) { return value; },
    // the JavaScript type of its argument (bigint, number, undefined...)
    typeOf(value) { return value instanceof Uint8Array ? "Uint8Array" : typeof value; },
    records() {
      const { hostname, now, counters, ...received } = state;
      return { ...received, counters: [...counters.entries()] };
    },
  };
}
