// conformance.browser_cors: a real browser (headless Chromium) runs a page that uploads to xs3
// with the browser build of @aws-sdk/client-s3 (bundled here by esbuild). The page is served
// from another origin than xs3, so every request goes through Chromium's CORS checks: the
// preflight, the Access-Control-* headers of the answers, the exposed ETag. A page from an
// origin the bucket's rules do not name must be blocked by the browser.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { CreateBucketCommand, PutBucketCorsCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { startServer, errorOf, ROOT_ACCESS_KEY, ROOT_SECRET_KEY } from './harness.mjs';

const BROWSER_TIMEOUT_MS = 60000;
const here = path.dirname(fileURLToPath(import.meta.url));
const chromium = process.env.XS3_CHROMIUM;
if (!chromium) throw new Error('XS3_CHROMIUM is not set: point it at a chromium binary');

let srv;
let s3;
let page;
let bundle;
const results = new Map();  // key -> resolve of the page's report
const B = 'browser-cors';

// Serves the page and its bundle, and takes the page's report.
function startPageServer() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>xs3 browser upload</title><script type="module" src="/bundle.js"></script>');
    } else if (url.pathname === '/bundle.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(bundle);
    } else if (url.pathname === '/result' && req.method === 'POST') {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        const result = JSON.parse(body);
        results.get(result.key)?.(result);
        res.writeHead(204);
        res.end();
      });
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// Opens the page in headless Chromium and waits for its report.
async function runPage(pageHost, key) {
  const reported = new Promise((resolve) => results.set(key, resolve));
  const query = new URLSearchParams({ endpoint: srv.endpoint, ak: ROOT_ACCESS_KEY, sk: ROOT_SECRET_KEY, bucket: B, key });
  const url = `http://${pageHost}:${page.address().port}/?${query}`;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'xs3-chromium-'));
  const proc = spawn(chromium, ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    '--no-first-run', '--no-default-browser-check', '--disable-extensions', `--user-data-dir=${profile}`, url],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d.toString(); });
  let timer;
  try {
    return await Promise.race([
      reported.then((r) => ({ ...r, key })),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no report from the page in ${BROWSER_TIMEOUT_MS} ms:\n${log.slice(-3000)}`)),
          BROWSER_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    const exited = new Promise((r) => proc.on('exit', r));
    proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    // Chromium's helper processes may still be writing the profile for a moment after the
    // browser exits; a leftover temp profile is not the test's concern.
    try {
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    } catch { /* left in the temp dir */ }
  }
}

before(async () => {
  const built = await esbuild.build({
    entryPoints: [path.join(here, 'browser_upload.mjs')], bundle: true, platform: 'browser', format: 'esm',
    target: 'es2022', write: false, logLevel: 'silent',
  });
  bundle = built.outputFiles[0].text;
  page = await startPageServer();
  srv = await startServer();
  s3 = srv.client();
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  // The page's origin only; ETag exposed so the SDK can read it.
  await s3.send(new PutBucketCorsCommand({ Bucket: B, CORSConfiguration: { CORSRules: [{
    AllowedOrigins: [`http://127.0.0.1:${page.address().port}`], AllowedMethods: ['GET', 'PUT', 'HEAD'],
    AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 60 }] } }));
});

after(async () => {
  s3?.destroy();
  await srv?.stop();
  page?.close();
});

describe('browser upload through CORS', () => {
  it('the JS SDK browser build uploads and reads back from an allowed origin', async () => {
    const r = await runPage('127.0.0.1', 'from-browser.txt');
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.body, 'uploaded by a browser');
    assert.equal(r.type, 'text/plain');
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'from-browser.txt' }));
    assert.equal(r.etag, head.ETag, 'the ETag is readable through Access-Control-Expose-Headers');
  });

  it('the browser blocks a page whose origin no rule allows, and nothing is stored', async () => {
    // localhost and 127.0.0.1 are different origins for the same page server.
    const r = await runPage('localhost', 'blocked.txt');
    assert.equal(r.ok, false, JSON.stringify(r));
    assert.equal(r.name, 'TypeError', JSON.stringify(r));  // fetch's network error: the preflight was refused
    const e = await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: 'blocked.txt' })));
    assert.equal(e.$metadata?.httpStatusCode, 404, e.message);
  });
});
