/** One interface object on the global, shaped as WebIDL shapes it. */
export function exposeInterface(name: string, constructor: abstract new (...args: never[]) => unknown): void {
  // WebIDL attributes and operations are enumerable; class syntax makes its members not.
  for (const member of Object.getOwnPropertyNames(constructor.prototype)) {
    if (member !== 'constructor') Object.defineProperty(constructor.prototype, member, { enumerable: true });
  }
  Object.defineProperty(constructor, 'name', { value: name });
  Object.defineProperty(constructor.prototype, Symbol.toStringTag, { value: name, configurable: true });
  Object.defineProperty(globalThis, name, { value: constructor, writable: true, configurable: true });
}

// Puts the interfaces on the global object as WebIDL does (non-enumerable, named, tagged) and
// `backgroundFetch` on ServiceWorkerRegistration.prototype. Used in pages and in workers.
export function exposeInterfaces(
  interfaces: Record<string, abstract new (...args: never[]) => unknown>,
  managerFor: (registration: ServiceWorkerRegistration) => unknown,
): void {
  for (const [name, constructor] of Object.entries(interfaces)) exposeInterface(name, constructor);
  // An object literal's accessor is enumerable, configurable and named `get backgroundFetch`, as WebIDL's.
  Object.defineProperties(
    ServiceWorkerRegistration.prototype,
    Object.getOwnPropertyDescriptors({
      get backgroundFetch() {
        if (!(this instanceof ServiceWorkerRegistration)) throw new TypeError('Illegal invocation');
        return managerFor(this);
      },
    }),
  );
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
  create: () => Parameters<typeof exposeInterfaces>,
): void {
  let created = false;
  const readDescriptor = Object.getOwnPropertyDescriptor;
  const createOnce = () => {
    if (created) return;
    created = true;
    Object.getOwnPropertyDescriptor = readDescriptor;
    exposeInterfaces(...create());
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
    standIns[name] = {
      configurable: true,
      enumerable: false,
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
  Object.defineProperties(globalThis, standIns);
  Object.defineProperties(ServiceWorkerRegistration.prototype, {
    backgroundFetch: {
      configurable: true,
      enumerable: true,
      get(this: unknown) {
        createOnce();
        return Reflect.get(ServiceWorkerRegistration.prototype, 'backgroundFetch', this);
      },
    },
  });
}
