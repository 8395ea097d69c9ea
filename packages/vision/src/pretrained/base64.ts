/**
 * The bytes of a base64 string (standard alphabet, `=` padding), without Node's `Buffer`, so that
 * it runs in browsers alike. Throws an Error naming `source` when the text is not base64.
 */
export function decodeBase64(text: string, source: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch (err) {
    throw new Error(`${source} is not valid base64 (${(err as Error).message}).`, { cause: err });
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
