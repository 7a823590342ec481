#pragma once
// The closed catalogue of S3 error codes we answer with, each with the HTTP status AWS uses.
// Every layer above storage reports expected failures as an S3Error value, never an exception.
#include <string>
#include <string_view>

namespace xs3 {

enum class ErrorCode {
  AccessDenied,
  AccessForbidden,
  AccessControlListNotSupported,
  AuthorizationHeaderMalformed,
  AuthorizationQueryParametersError,
  BadRequest,
  BadDigest,
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  BucketNotEmpty,
  ConditionalRequestConflict,
  EntityTooLarge,
  EntityTooSmall,
  ExpiredToken,
  IdempotencyParameterMismatch,
  IllegalLocationConstraintException,
  IncompleteBody,
  InternalError,
  InvalidAccessKeyId,
  InvalidArgument,
  InvalidBucketName,
  InvalidBucketAclWithBlockPublicAccessError,
  InvalidBucketAclWithObjectOwnership,
  InvalidDigest,
  InvalidEncryptionAlgorithmError,
  InvalidLocationConstraint,
  InvalidPart,
  InvalidPartNumber,
  InvalidPartOrder,
  InvalidRange,
  InvalidRequest,
  InvalidStorageClass,
  InvalidTag,
  InvalidPolicyDocument,
  IncorrectNumberOfFilesInPostRequest,
  MaxPostPreDataLengthExceededError,
  InvalidToken,
  InvalidURI,
  InvalidWriteOffset,
  KeyTooLongError,
  MalformedACLError,
  MalformedPOSTRequest,
  MalformedPolicy,
  MalformedXML,
  MetadataTooLarge,
  MethodNotAllowed,
  MissingContentLength,
  MissingRequestBodyError,
  MissingSecurityHeader,
  NoSuchBucket,
  NoSuchBucketPolicy,
  NoSuchCORSConfiguration,
  NoSuchKey,
  NoSuchLifecycleConfiguration,
  NoSuchPublicAccessBlockConfiguration,
  NoSuchTagSet,
  NoSuchUpload,
  NoSuchVersion,
  NotImplemented,
  OwnershipControlsNotFoundError,
  PreconditionFailed,
  RequestHeaderSectionTooLarge,
  RequestTimeTooSkewed,
  RequestTimeout,
  ServiceUnavailable,
  SignatureDoesNotMatch,
  SlowDown,
  TooManyParts,
  XAmzContentSHA256Mismatch,
  NotModified,  // 304: not an error document, but it travels the same path
};

struct S3Error {
  ErrorCode code = ErrorCode::InternalError;
  std::string message;   // empty: the catalogue's default message
  std::string resource;  // optional <Resource>
  // Extra XML children some errors carry (e.g. <StringToSign>, <ArgumentName>), already escaped.
  std::string extra_xml;

  int http_status() const;
  std::string_view code_name() const;
  std::string effective_message() const;
};

S3Error make_error(ErrorCode code, std::string message = {});

int http_status_of(ErrorCode code);
std::string_view name_of(ErrorCode code);
std::string_view default_message_of(ErrorCode code);

}  // namespace xs3
