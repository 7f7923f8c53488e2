// Zod schemas are immutable (every .optional(), .describe() or .min() returns a new one), so a
// schema factory called with the same arguments can hand out one instance instead of building
// another. Building them is most of the cost of loading the app: tens of thousands of schema
// objects, each with its own methods, made and garbage-collected on every start.

/** `make`, answering repeated calls with the same arguments from the instance built first. */
export function sharedSchema<A extends (string | number | boolean)[], S>(make: (...args: A) => S): (...args: A) => S {
  const made = new Map<string, S>();
  return (...args: A): S => {
    const key = args.map((a) => `${typeof a}:${a}`).join('\u0000');
    let schema = made.get(key);
    if (schema === undefined) made.set(key, (schema = make(...args)));
    return schema;
  };
}
