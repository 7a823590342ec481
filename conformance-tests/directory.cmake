# Directory-bucket (S3 Express One Zone) suites; included from CMakeLists.txt.
