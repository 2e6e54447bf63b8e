import { afterAll, describe, expect, it } from 'vitest';
import { quotaExceededError } from './quota-error';

const global = globalThis as unknown as {
  QuotaExceededError?: new (message?: string, options?: object) => DOMException;
};

describe('quotaExceededError where the runtime has no QuotaExceededError (Node here)', () => {
  afterAll(() => {
    delete global.QuotaExceededError;
  });

  it('is not supplied before the first quota error', () => {
    expect('QuotaExceededError' in globalThis).toBe(false);
  });

  it('gives a DOMException named QuotaExceededError with quota and requested', () => {
    const error = quotaExceededError('too big', { quota: 10, requested: 20 }) as DOMException & {
      quota: unknown;
      requested: unknown;
    };
    expect(error).toBeInstanceOf(DOMException);
    expect(error).toBeInstanceOf(global.QuotaExceededError!);
    expect({
      name: error.name,
      code: error.code,
      message: error.message,
      quota: error.quota,
      requested: error.requested,
    }).toEqual({
      name: 'QuotaExceededError',
      code: 22,
      message: 'too big',
      quota: 10,
      requested: 20,
    });
  });

  it('reads null where a number is unknown', () => {
    const error = quotaExceededError('no numbers', {}) as DOMException & { quota: unknown; requested: unknown };
    expect([error.quota, error.requested]).toEqual([null, null]);
  });

  it('puts the interface on the global as WebIDL does, with enumerable attributes', () => {
    expect(Object.getOwnPropertyDescriptor(globalThis, 'QuotaExceededError')).toMatchObject({
      writable: true,
      enumerable: false,
      configurable: true,
    });
    const QuotaError = global.QuotaExceededError!;
    expect(new QuotaError().message).toBe('');
    expect(
      Object.keys(Object.getOwnPropertyDescriptors(QuotaError.prototype)).filter(
        (key) => Object.getOwnPropertyDescriptor(QuotaError.prototype, key)!.enumerable,
      ),
    ).toEqual(['quota', 'requested']);
  });
});
