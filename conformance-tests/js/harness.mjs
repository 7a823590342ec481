// Shared harness for the JS conformance suites (the twin of python/xs3harness.py).
// startServer() runs a fresh xs3d on 127.0.0.1:0 with a temp data dir, reads the port from its
// "xs3d listening on http://127.0.0.1:PORT" line, waits for /_xs3/health, and stop() sends
// SIGTERM and asserts exit code 0 (SIGKILL after a timeout, which fails the test).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

// The pinned @aws-sdk/client-s3 declares engines.node >= 20 (Debian 12's own nodejs is 18).
if (Number(process.versions.node.split('.')[0]) < 20) {
  throw new Error(`node ${process.versions.node} is too old for the pinned AWS SDK (needs >= 20)`);
}

export const ROOT_ACCESS_KEY = 'xs3devaccesskey';
export const ROOT_SECRET_KEY = 'xs3devsecretkey';
export const REGION = 'us-east-1';
const START_TIMEOUT_MS = 20000;
const STOP_TIMEOUT_MS = 20000;

function xs3dPath() {
  const p = process.env.XS3D;
  if (!p) throw new Error('XS3D is not set: point it at the xs3d binary (build/server/xs3d)');
  try {
    fs.accessSync(p, fs.constants.X_OK);
  } catch {
    throw new Error(`XS3D=${p} is not executable (has the server been built?)`);
  }
  return p;
}

export async function startServer({ durability = 'relaxed', config, region, dataDir, args: extraArgs = [] } = {}) {
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xs3-conf-js-'));
  dataDir = dataDir ?? path.join(baseDir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const args = ['--address', '127.0.0.1:0', '--data-dir', dataDir, '--durability', durability];
  if (config) {
    const cfg = path.join(baseDir, 'config.json');
    fs.writeFileSync(cfg, JSON.stringify(config));
    args.push('--config', cfg);
  }
  if (region) args.push('--region', region);
  args.push(...extraArgs);
  const env = { ...process.env, XS3_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY, XS3_ROOT_SECRET_KEY: ROOT_SECRET_KEY };
  delete env.XS3_DATA_DIR;
  delete env.XS3_ADDRESS;
  const proc = spawn(xs3dPath(), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d.toString(); });
  const exited = new Promise((resolve) => proc.on('exit', (code, sig) => resolve({ code, sig })));
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`xs3d printed no listening line in ${START_TIMEOUT_MS} ms; output:\n${buf}\n${log}`));
    }, START_TIMEOUT_MS);
    proc.stdout.on('data', (d) => {
      buf += d.toString();
      log += d.toString();
      const m = buf.match(/xs3d listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    exited.then(({ code, sig }) => {
      clearTimeout(timer);
      reject(new Error(`xs3d exited early (${code ?? sig}); output:\n${buf}\n${log}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const r = await fetch(`${endpoint}/_xs3/health`, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`/_xs3/health never answered 200; output:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  let stopped = false;
  return {
    port,
    endpoint,
    dataDir,
    baseDir,
    log: () => log,
    client(opts = {}) {
      return new S3Client({
        endpoint,
        region: REGION,
        forcePathStyle: true,
        maxAttempts: 1,
        credentials: { accessKeyId: opts.accessKeyId ?? ROOT_ACCESS_KEY, secretAccessKey: opts.secretAccessKey ?? ROOT_SECRET_KEY },
        ...opts.extra,
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      proc.kill('SIGTERM');
      let timer;
      const res = await Promise.race([
        exited,
        new Promise((r) => { timer = setTimeout(() => r(null), STOP_TIMEOUT_MS); }),
      ]);
      clearTimeout(timer);
      if (!process.env.XS3_CONFORMANCE_KEEP) fs.rmSync(baseDir, { recursive: true, force: true });
      if (res === null) {
        proc.kill('SIGKILL');
        throw new Error(`xs3d did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
      }
      if (res.code !== 0) throw new Error(`xs3d exited with ${res.code ?? res.sig} after SIGTERM (expected 0)\n${log.slice(-3000)}`);
    },
  };
}

// Reads a GetObject Body fully into a Buffer.
export async function bodyBytes(out) {
  return Buffer.from(await out.Body.transformToByteArray());
}

// Runs fn and returns the error it throws (fails if it does not throw).
export async function errorOf(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, it succeeded');
}

// An S3 error as the SDK surfaces it: HTTP status, code, and an XML body whose <RequestId>
// is the x-amz-request-id header.
export function assertS3Error(e, name, status) {
  assert.equal(e.$metadata?.httpStatusCode, status, `HTTP status of ${e.name}: ${e.message}`);
  assert.equal(e.name, name, `error code (status ${e.$metadata?.httpStatusCode}): ${e.message}`);
  assert.equal(e.Code, name, '<Code> in the XML error body');
  assert.ok(e.RequestId, '<RequestId> in the XML error body');
  assert.equal(e.RequestId, e.$metadata?.requestId, '<RequestId> = x-amz-request-id');
}

// HEAD errors carry no body: a 404 the SDK names NotFound.
export function assertNotFound(e) {
  assert.equal(e.$metadata?.httpStatusCode, 404, `HTTP status of ${e.name}: ${e.message}`);
  assert.equal(e.name, 'NotFound');
}
