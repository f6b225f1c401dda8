/**
 * Removes the `Object.prototype.__proto__` accessor, as Node's
 * `--disable-proto=delete` does, for the whole process.
 *
 * Generated protobuf code (ts-proto's decoders, and its Struct and map
 * encoders), the BSON layers and much else fill objects by assignment,
 * `object[key] = value`. While the accessor exists, a key "__proto__" sets
 * the object's prototype instead of adding an entry, and a caller's trait,
 * map entry or error-metadata key vanishes without an error. Without the
 * accessor the same assignment creates an ordinary own property, so every
 * key is kept as data, whoever wrote the assignment. `Object.getPrototypeOf`
 * and `Object.setPrototypeOf` are unaffected; only code that reads or
 * writes `x.__proto__` itself would notice, and neither this service nor
 * its dependencies do so at run time (the test suite runs with it removed).
 *
 * Imported for its effect by the modules that decode or encode messages,
 * before any of them runs.
 */
Reflect.deleteProperty(Object.prototype, '__proto__');

