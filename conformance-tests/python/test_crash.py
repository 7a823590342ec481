"""conformance.crash: tools/crash_test.py in CI size.

* The negative controls first: a lost object, changed bytes or Content-Type, a half-done rename
  and an orphan blob must each be caught by the checks (else the kill cycles prove nothing).
* Then XS3_CRASH_CYCLES (default 50) SIGKILL cycles of the mixed workload (PUT small/large,
  multipart, append, rename, delete, copy on a general-purpose and a directory bucket), each
  followed by a full check of every acknowledged write and an `xs3 fsck --blobs-only` orphan audit.
The long run is the same script: python3 tools/crash_test.py --cycles 1000.
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import crash_test  # noqa: E402
import xs3harness as h  # noqa: E402

CYCLES = int(os.environ.get("XS3_CRASH_CYCLES", "50"))


class CrashSuite(unittest.TestCase):

    def test_1_negative_controls_are_caught(self):
        self.assertEqual(crash_test.self_check(), [])

    def test_2_kill9_cycles_lose_nothing(self):
        seed = int(os.environ.get("XS3_CRASH_SEED", str(int(time.time()))))
        print(f"seed {seed} (XS3_CRASH_SEED replays it)", flush=True)
        stats = crash_test.run(CYCLES, workers=6, min_s=0.2, max_s=1.2, seed=seed,
                               log=lambda m: print(m, flush=True), large_max=512 * 1024)
        print(f"crash test: {stats}", flush=True)
        self.assertEqual(stats["cycles"], CYCLES)
        self.assertEqual(stats["lost"], 0)
        self.assertGreater(stats["objects_checked"], CYCLES)


if __name__ == "__main__":
    h.main()
