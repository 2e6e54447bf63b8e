export const ILLEGAL_INVOCATION = 'Illegal invocation';
/** An event handler attribute's value: a function, or nothing. */
export const asHandler = <T>(value: T) => (typeof value === 'function' ? value : null);

// The native functions, read before the page's scripts run (and shorter to write than to repeat).
export const {
  defineProperties: define,
  getOwnPropertyDescriptor: readDescriptor,
  getOwnPropertyDescriptors: readDescriptors,
} = Object;

/** One interface object on the global, shaped as WebIDL shapes it. */
export function exposeInterface(name: string, constructor: abstract new (...args: never[]) => unknown): void {
  const members = readDescriptors(constructor.prototype) as PropertyDescriptorMap;
  // WebIDL attributes and operations are enumerable; class syntax makes its members not.
  for (const member of Object.keys(members)) members[member]!.enumerable = member !== 'constructor';
  members[Symbol.toStringTag] = { value: name, configurable: true };
  define(constructor.prototype, members);
  define(constructor, { name: { value: name } });
  define(globalThis, { [name]: { value: constructor, writable: true, configurable: true } });
}

// Puts the interfaces on the global object as WebIDL does (non-enumerable, named, tagged) and
// `backgroundFetch` on ServiceWorkerRegistration.prototype. Used in pages and in workers.
// Returns that attribute's getter.
export function exposeInterfaces(
  interfaces: Record<string, abstract new (...args: never[]) => unknown>,
  managerFor: (registration: ServiceWorkerRegistration) => unknown,
): () => unknown {
  for (const [name, constructor] of Object.entries(interfaces)) exposeInterface(name, constructor);
  // An object literal's accessor is enumerable, configurable and named `get backgroundFetch`, as WebIDL's.
  const attribute = readDescriptors({
    get backgroundFetch() {
      if (!(this instanceof ServiceWorkerRegistration)) throw new TypeError(ILLEGAL_INVOCATION);
      return managerFor(this);
    },
  });
  define(ServiceWorkerRegistration.prototype, attribute);
  return attribute.backgroundFetch.get!;
}

/**
 * The same, deferred: until something reads one of `names` or `backgroundFetch`, accessors stand in
 * their place (feature detection with `in` sees them), so a page that never touches the API does
 * not pay for building it. Every page runs this, so it avoids what a fresh Firefox document makes
 * expensive on first use (bench, in-page timings): `Object.defineProperty` (~0.35 ms, against
 * ~0.02 for the native `Object.defineProperties`) and iterators (`for…of`, ~0.5 ms).
 */
export function exposeInterfacesLazily(
  names: readonly string[],
  create: () => {
    interfaces: Parameters<typeof exposeInterfaces>[0];
    managerFor: Parameters<typeof exposeInterfaces>[1];
  },
): void {
  let getter: (() => unknown) | undefined;
  /** Builds (once), and gives the real `backgroundFetch` getter. */
  const createOnce = () => {
    if (getter) return getter;
    Object.getOwnPropertyDescriptor = readDescriptor;
    const { interfaces, managerFor } = create();
    return (getter = exposeInterfaces(interfaces, managerFor));
  };
  // Only a descriptor read could tell a stand-in from the data property WebIDL defines: such a
  // read builds first (which puts the native reader back), so it sees the real one.
  Object.getOwnPropertyDescriptor = {
    getOwnPropertyDescriptor(object: unknown, key: PropertyKey) {
      if (object === globalThis && (names as readonly PropertyKey[]).includes(key)) createOnce();
      return readDescriptor(object, key);
    },
  }.getOwnPropertyDescriptor;
  const global = globalThis as unknown as Record<string, unknown>;
  const standIns: PropertyDescriptorMap = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    // Not enumerable (the default here), as the data property will not be.
    standIns[name] = {
      configurable: true,
      get() {
        createOnce();
        return global[name];
      },
      set(value: unknown) {
        createOnce();
        // Building replaced this accessor with a writable data property.
        global[name] = value;
      },
    };
  }
  define(globalThis, standIns);
  define(ServiceWorkerRegistration.prototype, {
    backgroundFetch: {
      configurable: true,
      enumerable: true,
      get() {
        // Building replaced this accessor: the real one answers (and throws on a wrong `this`).
        return createOnce().call(this);
      },
    },
  });
}
