import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  adminRequestSchema,
  MAX_BULK_KEYS,
  offscreenRequestSchema,
  pagePortMessageSchema,
  pageRequestSchema,
} from './protocol';
import { LIMITS } from './spec';

const scope = 'https://a.example/';
const key = '0b0c5c3e-8f2a-4c55-9d3e-2b1f6f7c9a10';

const request = () => ({
  url: 'https://a.example/episode.mp3',
  method: 'GET',
  headers: [['accept', 'audio/mpeg']] as [string, string][],
  mode: 'cors',
  credentials: 'same-origin',
  cache: 'default',
  redirect: 'follow',
  referrer: 'about:client',
  referrerPolicy: '',
  integrity: '',
});

const fetchMessage = () => ({
  type: 'fetch',
  scope,
  id: 'episode-1',
  requests: [{ ...request(), body: null as Uint8Array | null }],
  options: {
    title: 'Episode 1',
    icons: [{ src: 'https://a.example/i.png', sizes: '64x64', type: 'image/png' }],
    downloadTotal: 0,
  },
});

const validPage = (): Record<string, unknown>[] => [
  fetchMessage(),
  { ...fetchMessage(), requests: [{ ...request(), method: 'POST', body: new Uint8Array([1, 2, 3]) }] },
  { type: 'get', scope, id: 'episode-1' },
  { type: 'getIds', scope },
  { type: 'abort', scope, key },
  {
    type: 'matchAll',
    scope,
    key,
    request: null,
    options: { ignoreSearch: false, ignoreMethod: false, ignoreVary: false },
  },
  {
    type: 'matchAll',
    scope,
    key,
    request: request(),
    options: { ignoreSearch: true, ignoreMethod: true, ignoreVary: true },
  },
  { type: 'responseHead', scope, key, index: 0 },
  { type: 'readBody', scope, key, index: 3, offset: 1 << 20 },
];

const pageOk = (input: unknown) => v.safeParse(pageRequestSchema, input).success;

describe('pageRequestSchema', () => {
  it.each(validPage().map((message) => [message.type, message]))('accepts a valid %s message', (_type, message) => {
    const result = v.safeParse(pageRequestSchema, message);
    expect(result.issues).toBeUndefined();
    expect(result.success).toBe(true);
  });

  it('accepts the limits themselves', () => {
    const message = fetchMessage();
    message.id = 'x'.repeat(LIMITS.idLength);
    message.requests[0]!.url = 'https://a.example/' + 'u'.repeat(LIMITS.urlLength - 'https://a.example/'.length);
    expect(pageOk(message)).toBe(true);
    message.options.downloadTotal = Number.MAX_SAFE_INTEGER;
    expect(pageOk(message)).toBe(true);
  });

  it.each([null, undefined, 0, 42, NaN, '', 'fetch', true, [], [fetchMessage()], () => undefined])(
    'rejects the non-object %s',
    (input) => {
      expect(pageOk(input)).toBe(false);
    },
  );

  it('rejects unknown and missing types', () => {
    expect(pageOk({ type: 'delete', scope })).toBe(false);
    expect(pageOk({ type: 'admin.abort', key })).toBe(false);
    expect(pageOk({ scope, id: 'x' })).toBe(false);
    expect(pageOk({ type: 'GET', scope, id: 'x' })).toBe(false);
  });

  it('rejects missing fields', () => {
    expect(pageOk({ type: 'get', scope })).toBe(false);
    expect(pageOk({ type: 'getIds' })).toBe(false);
    expect(pageOk({ type: 'abort', scope })).toBe(false);
    expect(pageOk({ type: 'readBody', scope, key, index: 0 })).toBe(false);
    const { options: _options, ...noOptions } = fetchMessage();
    expect(pageOk(noOptions)).toBe(false);
    const message = fetchMessage();
    const { body: _body, ...noBody } = message.requests[0]!;
    expect(pageOk({ ...message, requests: [noBody] })).toBe(false);
    const { integrity: _integrity, ...noIntegrity } = request();
    expect(pageOk({ ...message, requests: [{ ...noIntegrity, body: null }] })).toBe(false);
    expect(pageOk({ ...message, options: { title: '', icons: [] } })).toBe(false);
  });

  it('rejects wrong types', () => {
    expect(pageOk({ type: 'get', scope, id: 7 })).toBe(false);
    expect(pageOk({ type: 'get', scope: new URL(scope), id: 'x' })).toBe(false);
    expect(pageOk({ type: 'get', scope, id: ['x'] })).toBe(false);
    expect(pageOk({ type: 'responseHead', scope, key, index: '0' })).toBe(false);
    expect(pageOk({ type: 'readBody', scope, key, index: 0, offset: -1 })).toBe(false);
    expect(pageOk({ type: 'readBody', scope, key, index: 0.5, offset: 0 })).toBe(false);
    expect(pageOk({ type: 'abort', scope, key: 'k'.repeat(65) })).toBe(false);
    expect(pageOk({ ...fetchMessage(), requests: { 0: { ...request(), body: null }, length: 1 } })).toBe(false);
    expect(pageOk({ ...fetchMessage(), requests: [{ ...request(), body: [1, 2, 3] }] })).toBe(false);
    expect(pageOk({ ...fetchMessage(), requests: [{ ...request(), body: new ArrayBuffer(3) }] })).toBe(false);
    expect(pageOk({ ...fetchMessage(), requests: [{ ...request(), headers: { accept: '*/*' }, body: null }] })).toBe(
      false,
    );
    expect(pageOk({ ...fetchMessage(), requests: [{ ...request(), headers: [['a', 1]], body: null }] })).toBe(false);
    const options = { ignoreSearch: 'yes', ignoreMethod: false, ignoreVary: false };
    expect(pageOk({ type: 'matchAll', scope, key, request: null, options })).toBe(false);
  });

  it('rejects unknown extra keys everywhere (strict objects)', () => {
    expect(pageOk({ type: 'get', scope, id: 'x', origin: 'https://b.example' })).toBe(false);
    expect(pageOk({ ...fetchMessage(), caller: { origin: 'https://b.example' } })).toBe(false);
    const message = fetchMessage();
    expect(pageOk({ ...message, options: { ...message.options, extra: 1 } })).toBe(false);
    expect(pageOk({ ...message, requests: [{ ...message.requests[0], signal: null }] })).toBe(false);
    const icon = { src: 'https://a.example/i.png', sizes: '', type: '', purpose: 'any' };
    expect(pageOk({ ...message, options: { ...message.options, icons: [icon] } })).toBe(false);
    const options = { ignoreSearch: false, ignoreMethod: false, ignoreVary: false, extra: true };
    expect(pageOk({ type: 'matchAll', scope, key, request: null, options })).toBe(false);
  });

  it('rejects prototype-pollution-looking keys and leaves Object.prototype alone', () => {
    const inputs = [
      JSON.parse(`{"type":"get","scope":"${scope}","id":"x","__proto__":{"polluted":true}}`),
      JSON.parse(`{"type":"getIds","scope":"${scope}","constructor":{"prototype":{"polluted":true}}}`),
      JSON.parse(
        `{"type":"matchAll","scope":"${scope}","key":"${key}","request":null,` +
          `"options":{"ignoreSearch":false,"ignoreMethod":false,"ignoreVary":false,"__proto__":{"polluted":true}}}`,
      ),
      { ...fetchMessage(), prototype: {} },
    ];
    for (const input of inputs) expect(pageOk(input)).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('outputs only the declared shape: extra header tuple items are dropped', () => {
    const message = fetchMessage() as { requests: { headers: unknown }[] };
    message.requests[0]!.headers = [['accept', '*/*', 'smuggled']];
    const result = v.safeParse(pageRequestSchema, message);
    expect(result.success).toBe(true);
    const output = result.output as { requests: { headers: unknown }[] };
    expect(output.requests[0]!.headers).toEqual([['accept', '*/*']]);
  });

  it('rejects oversized strings', () => {
    expect(pageOk({ type: 'get', scope, id: 'x'.repeat(LIMITS.idLength + 1) })).toBe(false);
    expect(pageOk({ type: 'getIds', scope: scope + 'x'.repeat(LIMITS.urlLength) })).toBe(false);
    const message = fetchMessage();
    message.id = 'x'.repeat(LIMITS.idLength + 1);
    expect(pageOk(message)).toBe(false);
    const longUrl = fetchMessage();
    longUrl.requests[0]!.url = 'https://a.example/' + 'u'.repeat(LIMITS.urlLength);
    expect(pageOk(longUrl)).toBe(false);
    const longTitle = fetchMessage();
    longTitle.options.title = 't'.repeat(LIMITS.titleLength + 1);
    expect(pageOk(longTitle)).toBe(false);
    const longHeader = fetchMessage();
    longHeader.requests[0]!.headers = [['x-big', 'v'.repeat(LIMITS.headerBytes + 1)]];
    expect(pageOk(longHeader)).toBe(false);
    const manyHeaders = fetchMessage();
    manyHeaders.requests[0]!.headers = Array.from({ length: LIMITS.headersPerRequest + 1 }, (_, i) => [`x-${i}`, '1']);
    expect(pageOk(manyHeaders)).toBe(false);
    const manyIcons = fetchMessage();
    manyIcons.options.icons = Array.from({ length: LIMITS.icons + 1 }, () => ({
      src: 'https://a.example/i.png',
      sizes: '',
      type: '',
    }));
    expect(pageOk(manyIcons)).toBe(false);
    const longMethod = fetchMessage();
    longMethod.requests[0]!.method = 'M'.repeat(33);
    expect(pageOk(longMethod)).toBe(false);
  });

  it('rejects zero requests and more than LIMITS.requestsPerFetch', () => {
    expect(pageOk({ ...fetchMessage(), requests: [] })).toBe(false);
    const one = { ...request(), body: null };
    const atLimit = Array.from({ length: LIMITS.requestsPerFetch }, () => one);
    expect(pageOk({ ...fetchMessage(), requests: atLimit })).toBe(true);
    expect(pageOk({ ...fetchMessage(), requests: [...atLimit, one] })).toBe(false);
  });

  it.each([-1, 0.5, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 2, '100', null])(
    'rejects downloadTotal %s',
    (downloadTotal) => {
      const message = fetchMessage() as { options: { downloadTotal: unknown } };
      message.options.downloadTotal = downloadTotal;
      expect(pageOk(message)).toBe(false);
    },
  );

  it.each([
    ['mode', 'bogus'],
    ['mode', 'CORS'],
    ['credentials', 'always'],
    ['cache', 'forever'],
    ['redirect', 'maybe'],
    ['referrerPolicy', 'sometimes'],
  ])('rejects %s %j', (field, value) => {
    const message = fetchMessage();
    message.requests[0] = { ...message.requests[0]!, [field]: value };
    expect(pageOk(message)).toBe(false);
  });

  it('rejects deeply nested junk without throwing', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) deep = { deep };
    let deepArray: unknown = [];
    for (let i = 0; i < 10_000; i++) deepArray = [deepArray];
    expect(pageOk({ type: 'get', scope, id: deep })).toBe(false);
    expect(pageOk({ ...fetchMessage(), requests: deepArray })).toBe(false);
    expect(pageOk({ type: 'matchAll', scope, key, request: deep, options: deep })).toBe(false);
    expect(pageOk(deep)).toBe(false);
  });

  it('rejects a body that is not bytes (messages are structured clones in both browsers)', () => {
    for (const body of ['AQID', [1, 2, 3], new ArrayBuffer(3), { 0: 1, length: 1 }]) {
      const message = fetchMessage();
      message.requests[0]!.body = body as never;
      expect(pageOk(message)).toBe(false);
    }
  });
});

describe('pagePortMessageSchema', () => {
  const ok = (input: unknown) => v.safeParse(pagePortMessageSchema, input).success;

  it('accepts watch and unwatch', () => {
    expect(ok({ type: 'watch', scope, key })).toBe(true);
    expect(ok({ type: 'unwatch', key })).toBe(true);
  });

  it('rejects malformed port messages', () => {
    expect(ok({ type: 'watch', key })).toBe(false);
    expect(ok({ type: 'unwatch' })).toBe(false);
    expect(ok({ type: 'unwatch', key, scope })).toBe(false);
    expect(ok({ type: 'watch', scope, key: 'k'.repeat(65) })).toBe(false);
    expect(ok({ type: 'watch', scope: 1, key })).toBe(false);
    expect(ok({ type: 'progress', snapshot: {} })).toBe(false);
    expect(ok(JSON.parse(`{"type":"unwatch","key":"${key}","__proto__":{}}`))).toBe(false);
    for (const input of [null, 1, 'watch', [], [{ type: 'unwatch', key }]]) expect(ok(input)).toBe(false);
  });
});

describe('adminRequestSchema', () => {
  const ok = (input: unknown) => v.safeParse(adminRequestSchema, input).success;

  it.each([
    { type: 'admin.setSite', origin: 'https://a.example', settings: {} },
    {
      type: 'admin.setSite',
      origin: 'https://a.example',
      settings: { blocked: true, autoSave: false, useExtension: true },
    },
    { type: 'admin.pause', key },
    { type: 'admin.resume', key },
    { type: 'admin.abort', key },
    { type: 'admin.remove', key },
    { type: 'admin.removeMany', keys: [key, key] },
    { type: 'admin.removeMany', keys: [] },
    { type: 'admin.clearSite', origin: 'https://a.example' },
    { type: 'admin.clearAll' },
    { type: 'admin.undoRemove', keys: [key] },
  ])('accepts $type', (message) => {
    expect(ok(message)).toBe(true);
  });

  it('rejects malformed admin messages', () => {
    expect(ok({ type: 'admin.setSite', origin: 'https://a.example', settings: { blocked: 'yes' } })).toBe(false);
    expect(ok({ type: 'admin.setSite', origin: 'https://a.example', settings: { origin: 'https://b.example' } })).toBe(
      false,
    );
    expect(ok({ type: 'admin.setSite', origin: 'https://a.example' })).toBe(false);
    expect(ok({ type: 'admin.setSite', origin: 'x'.repeat(LIMITS.urlLength + 1), settings: {} })).toBe(false);
    expect(ok({ type: 'admin.pause', key, scope })).toBe(false);
    expect(ok({ type: 'admin.pause' })).toBe(false);
    expect(ok({ type: 'admin.delete', key })).toBe(false);
    expect(ok({ type: 'admin.removeMany', keys: key })).toBe(false);
    expect(ok({ type: 'admin.removeMany', keys: ['k'.repeat(65)] })).toBe(false);
    expect(ok({ type: 'admin.removeMany', keys: Array.from({ length: MAX_BULK_KEYS + 1 }, () => key) })).toBe(false);
    expect(ok({ type: 'admin.undoRemove', keys: [1] })).toBe(false);
    expect(ok({ type: 'admin.clearSite' })).toBe(false);
    expect(ok({ type: 'admin.clearAll', origin: 'https://a.example' })).toBe(false);
    expect(ok({ type: 'abort', scope, key })).toBe(false);
    expect(ok(JSON.parse(`{"type":"admin.abort","key":"${key}","constructor":1}`))).toBe(false);
    for (const input of [null, undefined, 3, 'admin.pause', [], {}]) expect(ok(input)).toBe(false);
  });
});

describe('offscreenRequestSchema', () => {
  const ok = (input: unknown) => v.safeParse(offscreenRequestSchema, input).success;
  const url = 'blob:chrome-extension://abcdefghijklmnopabcdefghijklmnop/0b0c5c3e-8f2a-4c55-9d3e-2b1f6f7c9a10';

  it.each([
    { type: 'offscreen.blobUrl', key, index: 0, contentType: '' },
    { type: 'offscreen.blobUrl', key, index: 9999, contentType: 'audio/mpeg' },
    { type: 'offscreen.revoke', url },
    { type: 'offscreen.revoke' },
  ])('accepts $type', (message) => {
    expect(ok(message)).toBe(true);
  });

  it('rejects malformed offscreen messages', () => {
    expect(ok({ type: 'offscreen.blobUrl', key, index: 0 })).toBe(false);
    expect(ok({ type: 'offscreen.blobUrl', key, index: -1, contentType: '' })).toBe(false);
    expect(ok({ type: 'offscreen.blobUrl', key, index: '0', contentType: '' })).toBe(false);
    expect(ok({ type: 'offscreen.blobUrl', key: 'k'.repeat(65), index: 0, contentType: '' })).toBe(false);
    expect(ok({ type: 'offscreen.blobUrl', key, index: 0, contentType: 't'.repeat(LIMITS.headerBytes + 1) })).toBe(
      false,
    );
    expect(ok({ type: 'offscreen.blobUrl', key, index: 0, contentType: '', store: 'bgfetch-private' })).toBe(false);
    expect(ok({ type: 'offscreen.revoke', url: 7 })).toBe(false);
    expect(ok({ type: 'offscreen.revoke', url: 'u'.repeat(LIMITS.urlLength + 1) })).toBe(false);
    expect(ok({ type: 'admin.save', key })).toBe(false);
    for (const input of [null, undefined, 3, 'offscreen.revoke', [], {}]) expect(ok(input)).toBe(false);
  });
});
