// The README's Testcontainers snippet, run for real by docker/check-image.sh against podman's
// Docker-compatible API: a generic container, a wait on the health endpoint, one SDK call.
import assert from "node:assert/strict";
import { GenericContainer, Wait } from "testcontainers";
import { S3Client, PutObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";

const image = process.env.IMAGE ?? "xs3";
const started = Date.now();
const xs3 = await new GenericContainer(image)
  .withExposedPorts(9000)
  .withEnvironment({ XS3_BUCKETS: "test-bucket", XS3_EPHEMERAL: "1" })
  .withWaitStrategy(Wait.forHttp("/_xs3/health", 9000).forStatusCode(200))
  .start();
try {
  const s3 = new S3Client({
    endpoint: `http://${xs3.getHost()}:${xs3.getMappedPort(9000)}`, region: "us-east-1", forcePathStyle: true,
    credentials: { accessKeyId: "xs3devaccesskey", secretAccessKey: "xs3devsecretkey" },
  });
  await s3.send(new PutObjectCommand({ Bucket: "test-bucket", Key: "hello.txt", Body: "hi" }));
  const got = await s3.send(new GetObjectCommand({ Bucket: "test-bucket", Key: "hello.txt" }));
  assert.equal(await got.Body.transformToString(), "hi");
  console.log(`testcontainers: ready and round-tripped in ${Date.now() - started} ms`);
} finally {
  await xs3.stop();
}
