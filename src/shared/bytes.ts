// Bytes as they cross `runtime.sendMessage`: Firefox clones a Uint8Array; Chromium serialises
// extension messages as JSON, so there they travel as base64 text.

export type WireBytes = Uint8Array | string;

/** Chunked so that String.fromCharCode never gets more arguments than the stack allows. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export const fromWire = (bytes: WireBytes): Uint8Array =>
  typeof bytes === 'string' ? base64ToBytes(bytes) : bytes;
