// The page script of browser_cors.test.mjs, bundled for the browser by esbuild: the JS SDK's
// browser build uploads an object to xs3 from another origin, reads it back, and reports what
// happened to the page server (its own origin) as JSON.
import { S3Client, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';

const params = new URLSearchParams(location.search);
const report = (result) => fetch('/result', { method: 'POST', body: JSON.stringify({ key: params.get('key'), page: location.origin, ...result }) });

try {
  const s3 = new S3Client({
    endpoint: params.get('endpoint'),
    region: 'us-east-1',
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: params.get('ak'), secretAccessKey: params.get('sk') },
  });
  const Bucket = params.get('bucket');
  const Key = params.get('key');
  const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'uploaded by a browser', ContentType: 'text/plain' }));
  const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
  await report({ ok: true, etag: put.ETag ?? null, body: await got.Body.transformToString(), type: got.ContentType });
} catch (e) {
  await report({ ok: false, name: e.name, message: String(e.message) });
}
