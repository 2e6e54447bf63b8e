import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exposeInterfacesLazily } from './expose';

const global = globalThis as unknown as Record<string, unknown>;
const NAMES = ['BackgroundFetchManager', 'BackgroundFetchRecord'] as const;

class FakeRegistration {}
class Manager {
  constructor(readonly registration: unknown) {}
}
class FakeRecord {}

describe('exposeInterfacesLazily', () => {
  let builds = 0;
  const managers = new WeakMap<object, Manager>();
  const create = () => {
    builds++;
    const managerFor = (registration: ServiceWorkerRegistration) => {
      if (!managers.has(registration)) managers.set(registration, new Manager(registration));
      return managers.get(registration);
    };
    return { interfaces: { BackgroundFetchManager: Manager, BackgroundFetchRecord: FakeRecord }, managerFor };
  };

  const readDescriptor = Object.getOwnPropertyDescriptor;
  beforeEach(() => {
    builds = 0;
    global.ServiceWorkerRegistration = FakeRegistration;
    exposeInterfacesLazily(NAMES, create);
  });
  afterEach(() => {
    for (const name of [...NAMES, 'ServiceWorkerRegistration']) delete global[name];
    Object.getOwnPropertyDescriptor = readDescriptor;
  });

  it('a descriptor read sees the data property WebIDL defines, and puts the native readers back', () => {
    expect(Object.getOwnPropertyDescriptor(globalThis, 'Array')).toBeDefined();
    expect(builds).toBe(0);
    expect(Object.getOwnPropertyDescriptor(globalThis, 'BackgroundFetchRecord')).toEqual({
      value: FakeRecord,
      writable: true,
      enumerable: false,
      configurable: true,
    });
    expect(builds).toBe(1);
    expect(Object.getOwnPropertyDescriptor).toBe(readDescriptor);
  });

  it('shows the names to feature detection and builds nothing yet', () => {
    expect('BackgroundFetchManager' in globalThis).toBe(true);
    expect('backgroundFetch' in FakeRegistration.prototype).toBe(true);
    expect(Object.keys(globalThis)).not.toContain('BackgroundFetchManager');
    expect(builds).toBe(0);
  });

  it('builds once on the first read and leaves the properties as WebIDL has them', () => {
    expect(global.BackgroundFetchManager).toBe(Manager);
    expect(global.BackgroundFetchRecord).toBe(FakeRecord);
    expect(builds).toBe(1);
    expect(Object.getOwnPropertyDescriptor(globalThis, 'BackgroundFetchManager')).toEqual({
      value: Manager,
      writable: true,
      enumerable: false,
      configurable: true,
    });
  });

  it('backgroundFetch read first builds too, one manager per registration', () => {
    const registration = new FakeRegistration() as { backgroundFetch?: unknown };
    const manager = registration.backgroundFetch;
    expect(manager).toBeInstanceOf(Manager);
    expect(registration.backgroundFetch).toBe(manager);
    expect(global.BackgroundFetchManager).toBe(Manager);
    expect(builds).toBe(1);
  });

  it('backgroundFetch once built is a WebIDL attribute: enumerable, configurable, a getter named "get backgroundFetch"', () => {
    void global.BackgroundFetchManager;
    const { get, set, enumerable, configurable } = Object.getOwnPropertyDescriptor(
      FakeRegistration.prototype,
      'backgroundFetch',
    )!;
    expect({ name: get?.name, set, enumerable, configurable }).toEqual({
      name: 'get backgroundFetch',
      set: undefined,
      enumerable: true,
      configurable: true,
    });
  });

  it('backgroundFetch on something not a registration is an illegal invocation', () => {
    expect(() => Reflect.get(FakeRegistration.prototype, 'backgroundFetch', {})).toThrow(TypeError);
  });

  it('a page assigning the name before reading it keeps its own value', () => {
    global.BackgroundFetchManager = 'mine';
    expect(global.BackgroundFetchManager).toBe('mine');
    expect(global.BackgroundFetchRecord).toBe(FakeRecord);
  });
});
