// Independent checksum implementations (so tests do not trust the SDK's own value).
import crypto from 'node:crypto';
import zlib from 'node:zlib';

function be32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

const CRC32_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

// zlib.crc32 only exists from Node 20.15; Debian 12 ships Node 18.
export function crc32(buf) {
  if (typeof zlib.crc32 === 'function') return be32(zlib.crc32(buf)).toString('base64');
  let c = 0xffffffff;
  for (const b of buf) c = CRC32_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return be32((c ^ 0xffffffff) >>> 0).toString('base64');
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return be32((c ^ 0xffffffff) >>> 0).toString('base64');
}

const CRC64_POLY = 0x9a6c9329ac4bc9b5n; // CRC-64/NVME, reflected
const MASK64 = 0xffffffffffffffffn;
const CRC64_TABLE = (() => {
  const t = new Array(256);
  for (let i = 0n; i < 256n; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ CRC64_POLY : c >> 1n;
    t[Number(i)] = c;
  }
  return t;
})();

export function crc64nvme(buf) {
  let c = MASK64;
  for (const b of buf) c = CRC64_TABLE[Number((c ^ BigInt(b)) & 0xffn)] ^ (c >> 8n);
  c ^= MASK64;
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(c);
  return out.toString('base64');
}

export function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest('base64');
}

export function md5hex(buf) {
  return crypto.createHash('md5').update(buf).digest('hex');
}

// Self-check with the published check values for "123456789".
const check = Buffer.from('123456789');
if (Buffer.from(crc32c(check), 'base64').readUInt32BE() !== 0xe3069283) throw new Error('crc32c self-check');
if (Buffer.from(crc64nvme(check), 'base64').readBigUInt64BE() !== 0xae8b14860a799888n) throw new Error('crc64nvme self-check');
if (Buffer.from(crc32(check), 'base64').readUInt32BE() !== 0xcbf43926) throw new Error('crc32 self-check');
