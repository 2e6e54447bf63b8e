// Puts the interfaces on the global object as WebIDL does (non-enumerable, named, tagged) and
// `backgroundFetch` on ServiceWorkerRegistration.prototype. Used in pages and in workers.
export function exposeInterfaces(
  interfaces: Record<string, abstract new (...args: never[]) => unknown>,
  managerFor: (registration: ServiceWorkerRegistration) => unknown,
): void {
  for (const [name, constructor] of Object.entries(interfaces)) {
    Object.defineProperty(constructor, 'name', { value: name });
    Object.defineProperty(constructor.prototype, Symbol.toStringTag, { value: name, configurable: true });
    Object.defineProperty(globalThis, name, { value: constructor, writable: true, configurable: true });
  }
  Object.defineProperty(ServiceWorkerRegistration.prototype, 'backgroundFetch', {
    configurable: true,
    enumerable: true,
    get(this: unknown) {
      if (!(this instanceof ServiceWorkerRegistration)) throw new TypeError('Illegal invocation');
      return managerFor(this);
    },
  });
}
