#pragma once
// Multi-buffer MD5: up to 16 streams hashed side by side in the 32-bit lanes of AVX-512
// registers by one background thread, the technique of isa-l_crypto's md5_mb and MinIO's
// md5-simd (neither is packaged for Debian 12). MD5 is a serial chain per stream (OpenSSL:
// ~0.85 GB/s per core here), and general-purpose buckets need it for every part's ETag; eight
// parallel 64 MiB part uploads then spend most of the server's CPU in MD5. In lanes the same
// work costs a fraction of that CPU, and it runs beside the I/O instead of inside it.
//
// A stream copies what it is given into its lane's 1 MiB ring and returns; the hashing thread
// consumes whole 64-byte blocks, in batches that wait until every open stream has 64 KiB (a
// batch costs the same however many lanes it fills), a ring is half full, or a stream is in
// Final(). Batches within lanes 0-7 run 8 lanes wide in ymm registers, wider ones in zmm.
// Update() waits only when the ring is full (the thread hashes several times faster than a
// socket delivers), Final() waits for the ring to drain and hashes the last partial block itself.
#include <memory>

#include "auth/checksum.h"

namespace xs3::auth {

// An MD5 Hasher on a free lane, or nullptr when the CPU lacks AVX-512 or all 16 lanes are taken
// (the caller then uses Hasher::Create(ChecksumAlgorithm::MD5)). Not for small bodies: a lane
// hop costs more than hashing a few KiB in place.
std::unique_ptr<Hasher> NewLaneMd5();

}  // namespace xs3::auth
