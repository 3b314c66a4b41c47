// The strings world's one import in JavaScript, for components under jco
// (toolchains/jco.py call_many): `decorate(s)` is "<" + s + ">", and every
// string it received is recorded, as test_strings.StringsGuest does.
export function createHost() {
  const decorated = [];
  return {
    imports: {
      decorate: { default(s) { decorated.push(s); return `<${s}>`; } },
    },
    records() { return { decorated }; },
  };
}
