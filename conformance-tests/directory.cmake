# Directory-bucket (S3 Express One Zone) suites; included from CMakeLists.txt.

# JS SDK through its own session handling (CreateSession, session-signed data calls, IAM CopyObject).
xs3_conformance_test(directory_js TOOLS XS3_NODE TIMEOUT 120 FIXTURES xs3_js_deps
  COMMAND ${XS3_NODE} --test --test-reporter=spec ${CT_JS_RUN_DIR}/directory.test.mjs)

# boto3 1.43 directory flows + hand-signed sessions (ReadOnly/ReadWrite, foreign, tampered and
# expired tokens), directory CreateBucket errors, 10,000-object tree listings.
if(NOT XS3_CONFORMANCE_PYENV_CLIENTS STREQUAL "OFF")
  xs3_conformance_test(directory_sessions TOOLS XS3_PYTHON_PYENV TIMEOUT 180
    COMMAND ${XS3_PYTHON_PYENV} ${CT_PY_DIR}/test_directory_sessions.py)
  # Multi-user isolation on both bucket types through stock boto3 (directory buckets need 1.43).
  xs3_conformance_test(isolation TOOLS XS3_PYTHON_PYENV TIMEOUT 120
    COMMAND ${XS3_PYTHON_PYENV} ${CT_PY_DIR}/test_isolation.py)
  # Bucket policies: s3express:CreateSession grants, SessionMode conditions, refused documents.
  xs3_conformance_test(directory_policies TOOLS XS3_PYTHON_PYENV TIMEOUT 120
    COMMAND ${XS3_PYTHON_PYENV} ${CT_PY_DIR}/test_directory_policies.py)
endif()

# Append (x-amz-write-offset-bytes, racing appenders), RenameObject (conditions, client tokens),
# GetObjectAttributes, the directory-walk listing order, empty-directory removal, and regressions
# for the bugs these tests found.
xs3_conformance_test(directory_express_ops TOOLS XS3_NODE TIMEOUT 120 FIXTURES xs3_js_deps
  COMMAND ${XS3_NODE} --test --test-reporter=spec ${CT_JS_RUN_DIR}/directory_express_ops.test.mjs)

# Multipart uploads on directory buckets (lib-storage, consecutive parts, uploads as prefixes).
xs3_conformance_test(directory_multipart TOOLS XS3_NODE TIMEOUT 120 FIXTURES xs3_js_deps
  COMMAND ${XS3_NODE} --test --test-reporter=spec ${CT_JS_RUN_DIR}/directory_multipart.test.mjs)
