import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exposeInterfaces, exposeInterfacesLazily } from './expose';

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
  const create = (): Parameters<typeof exposeInterfaces> => {
    builds++;
    const managerFor = (registration: ServiceWorkerRegistration) => {
      if (!managers.has(registration)) managers.set(registration, new Manager(registration));
      return managers.get(registration);
    };
    return [{ BackgroundFetchManager: Manager, BackgroundFetchRecord: FakeRecord }, managerFor];
  };

  beforeEach(() => {
    builds = 0;
    global.ServiceWorkerRegistration = FakeRegistration;
    exposeInterfacesLazily(NAMES, create);
  });
  afterEach(() => {
    for (const name of [...NAMES, 'ServiceWorkerRegistration']) delete global[name];
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

  it('backgroundFetch on something not a registration is an illegal invocation', () => {
    expect(() => Reflect.get(FakeRegistration.prototype, 'backgroundFetch', {})).toThrow(TypeError);
  });

  it('a page assigning the name before reading it keeps its own value', () => {
    global.BackgroundFetchManager = 'mine';
    expect(global.BackgroundFetchManager).toBe('mine');
    expect(global.BackgroundFetchRecord).toBe(FakeRecord);
  });
});
