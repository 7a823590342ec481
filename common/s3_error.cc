#include "common/s3_error.h"

namespace xs3 {
namespace {

struct Entry {
  std::string_view name;
  int status;
  std::string_view message;
};

Entry entry_of(ErrorCode c) {
  switch (c) {
    case ErrorCode::AccessDenied: return {"AccessDenied", 403, "Access Denied"};
    case ErrorCode::AccessControlListNotSupported:
      return {"AccessControlListNotSupported", 400, "The bucket does not allow ACLs"};
    case ErrorCode::AuthorizationHeaderMalformed:
      return {"AuthorizationHeaderMalformed", 400, "The authorization header is malformed."};
    case ErrorCode::AuthorizationQueryParametersError:
      return {"AuthorizationQueryParametersError", 400,
              "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
              "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."};
    case ErrorCode::BadRequest: return {"BadRequest", 400, "Bad Request"};
    case ErrorCode::BadDigest:
      return {"BadDigest", 400, "The Content-MD5 you specified did not match what we received."};
    case ErrorCode::BucketAlreadyExists:
      return {"BucketAlreadyExists", 409,
              "The requested bucket name is not available. The bucket namespace is shared by all users of "
              "the system. Please select a different name and try again."};
    case ErrorCode::BucketAlreadyOwnedByYou:
      return {"BucketAlreadyOwnedByYou", 409,
              "Your previous request to create the named bucket succeeded and you already own it."};
    case ErrorCode::BucketNotEmpty:
      return {"BucketNotEmpty", 409, "The bucket you tried to delete is not empty"};
    case ErrorCode::ConditionalRequestConflict:
      return {"ConditionalRequestConflict", 409,
              "The conditional request cannot succeed due to a conflicting operation against this resource."};
    case ErrorCode::AccessForbidden:
      return {"AccessForbidden", 403,
              "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
              "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted "
              "by the resource's CORS spec."};
    case ErrorCode::EntityTooLarge:
      return {"EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size"};
    case ErrorCode::EntityTooSmall:
      return {"EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed object size."};
    case ErrorCode::ExpiredToken: return {"ExpiredToken", 400, "The provided token has expired."};
    case ErrorCode::IdempotencyParameterMismatch:
      return {"IdempotencyParameterMismatch", 400,
              "The client token was already used by a request with different parameters."};
    case ErrorCode::IllegalLocationConstraintException:
      return {"IllegalLocationConstraintException", 400,
              "The location constraint is incompatible for the region specific endpoint this request was sent to."};
    case ErrorCode::IncompleteBody:
      return {"IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header."};
    case ErrorCode::InternalError:
      return {"InternalError", 500, "We encountered an internal error. Please try again."};
    case ErrorCode::InvalidAccessKeyId:
      return {"InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."};
    case ErrorCode::InvalidArgument: return {"InvalidArgument", 400, "Invalid Argument"};
    case ErrorCode::InvalidBucketAclWithBlockPublicAccessError:
      return {"InvalidBucketAclWithBlockPublicAccessError", 400,
              "Bucket cannot have public ACLs set with BlockPublicAccess enabled"};
    case ErrorCode::InvalidBucketAclWithObjectOwnership:
      return {"InvalidBucketAclWithObjectOwnership", 400,
              "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"};
    case ErrorCode::InvalidBucketName: return {"InvalidBucketName", 400, "The specified bucket is not valid."};
    case ErrorCode::InvalidEncryptionAlgorithmError:
      return {"InvalidEncryptionAlgorithmError", 400,
              "The encryption request you specified is not valid. The valid value is AES256."};
    case ErrorCode::InvalidDigest:
      return {"InvalidDigest", 400, "The Content-MD5 you specified was invalid."};
    case ErrorCode::InvalidLocationConstraint:
      return {"InvalidLocationConstraint", 400, "The specified location-constraint is not valid"};
    case ErrorCode::InvalidPart:
      return {"InvalidPart", 400,
              "One or more of the specified parts could not be found.  The part may not have been uploaded, "
              "or the specified entity tag may not match the part's entity tag."};
    case ErrorCode::InvalidPartNumber: return {"InvalidPartNumber", 416, "The requested partnumber is not satisfiable"};
    case ErrorCode::InvalidPartOrder:
      return {"InvalidPartOrder", 400,
              "The list of parts was not in ascending order. Parts must be ordered by part number."};
    case ErrorCode::InvalidRange: return {"InvalidRange", 416, "The requested range is not satisfiable"};
    case ErrorCode::InvalidRequest: return {"InvalidRequest", 400, "Invalid Request"};
    case ErrorCode::InvalidStorageClass:
      return {"InvalidStorageClass", 400, "The storage class you specified is not valid"};
    case ErrorCode::InvalidPolicyDocument:
      return {"InvalidPolicyDocument", 400, "The content of the form does not meet the conditions specified in the policy document."};
    case ErrorCode::IncorrectNumberOfFilesInPostRequest:
      return {"IncorrectNumberOfFilesInPostRequest", 400, "POST requires exactly one file upload per request."};
    case ErrorCode::MaxPostPreDataLengthExceededError:
      return {"MaxPostPreDataLengthExceededError", 400, "Your POST request fields preceding the upload file were too large."};
    case ErrorCode::InvalidTag:
      return {"InvalidTag", 400, "The tag provided was not a valid tag."};
    case ErrorCode::InvalidToken:
      return {"InvalidToken", 400, "The provided token is malformed or otherwise invalid."};
    case ErrorCode::InvalidURI: return {"InvalidURI", 400, "Couldn't parse the specified URI."};
    case ErrorCode::InvalidWriteOffset:
      return {"InvalidWriteOffset", 400, "The write offset value that you specified does not match the current object size."};
    case ErrorCode::KeyTooLongError: return {"KeyTooLongError", 400, "Your key is too long"};
    case ErrorCode::MalformedACLError:
      return {"MalformedACLError", 400,
              "The XML you provided was not well-formed or did not validate against our published schema"};
    case ErrorCode::MalformedPOSTRequest:
      return {"MalformedPOSTRequest", 400, "The body of your POST request is not well-formed multipart/form-data."};
    case ErrorCode::MalformedPolicy: return {"MalformedPolicy", 400, "Policies must be valid JSON and the first byte must be '{'"};
    case ErrorCode::MalformedXML:
      return {"MalformedXML", 400,
              "The XML you provided was not well-formed or did not validate against our published schema"};
    case ErrorCode::MetadataTooLarge:
      return {"MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size."};
    case ErrorCode::MethodNotAllowed:
      return {"MethodNotAllowed", 405, "The specified method is not allowed against this resource."};
    case ErrorCode::MissingContentLength:
      return {"MissingContentLength", 411, "You must provide the Content-Length HTTP header."};
    case ErrorCode::MissingRequestBodyError: return {"MissingRequestBodyError", 400, "Request Body is empty"};
    case ErrorCode::MissingSecurityHeader:
      return {"MissingSecurityHeader", 400, "Your request was missing a required header"};
    case ErrorCode::NoSuchBucket: return {"NoSuchBucket", 404, "The specified bucket does not exist"};
    case ErrorCode::NoSuchBucketPolicy: return {"NoSuchBucketPolicy", 404, "The bucket policy does not exist"};
    case ErrorCode::NoSuchCORSConfiguration:
      return {"NoSuchCORSConfiguration", 404, "The CORS configuration does not exist"};
    case ErrorCode::NoSuchLifecycleConfiguration:
      return {"NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist"};
    case ErrorCode::NoSuchKey: return {"NoSuchKey", 404, "The specified key does not exist."};
    case ErrorCode::NoSuchPublicAccessBlockConfiguration:
      return {"NoSuchPublicAccessBlockConfiguration", 404, "The public access block configuration was not found"};
    case ErrorCode::NoSuchTagSet: return {"NoSuchTagSet", 404, "The TagSet does not exist"};
    case ErrorCode::NoSuchUpload:
      return {"NoSuchUpload", 404,
              "The specified upload does not exist. The upload ID may be invalid, or the upload may have been "
              "aborted or completed."};
    case ErrorCode::NoSuchVersion:
      return {"NoSuchVersion", 404, "The specified version does not exist."};
    case ErrorCode::NotImplemented:
      return {"NotImplemented", 501, "A header you provided implies functionality that is not implemented"};
    case ErrorCode::OwnershipControlsNotFoundError:
      return {"OwnershipControlsNotFoundError", 404, "The bucket ownership controls were not found"};
    case ErrorCode::PreconditionFailed:
      return {"PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold"};
    case ErrorCode::RequestHeaderSectionTooLarge:
      return {"RequestHeaderSectionTooLarge", 400, "Your request header section exceeds the maximum allowed size."};
    case ErrorCode::RequestTimeTooSkewed:
      return {"RequestTimeTooSkewed", 403,
              "The difference between the request time and the current time is too large."};
    case ErrorCode::RequestTimeout:
      return {"RequestTimeout", 400,
              "Your socket connection to the server was not read from or written to within the timeout period."};
    case ErrorCode::ServiceUnavailable:
      return {"ServiceUnavailable", 503, "Service is unable to handle request."};
    case ErrorCode::SignatureDoesNotMatch:
      return {"SignatureDoesNotMatch", 403,
              "The request signature we calculated does not match the signature you provided. Check your key "
              "and signing method."};
    case ErrorCode::SlowDown: return {"SlowDown", 503, "Please reduce your request rate."};
    case ErrorCode::TooManyParts:
      return {"TooManyParts", 400, "You have attempted to append more than the maximum number of parts to this object."};
    case ErrorCode::XAmzContentSHA256Mismatch:
      return {"XAmzContentSHA256Mismatch", 400,
              "The provided 'x-amz-content-sha256' header does not match what was computed."};
    case ErrorCode::NotModified: return {"NotModified", 304, "Not Modified"};
  }
  return {"InternalError", 500, "We encountered an internal error. Please try again."};
}

}  // namespace

int http_status_of(ErrorCode code) { return entry_of(code).status; }
std::string_view name_of(ErrorCode code) { return entry_of(code).name; }
std::string_view default_message_of(ErrorCode code) { return entry_of(code).message; }

int S3Error::http_status() const { return http_status_of(code); }
std::string_view S3Error::code_name() const { return name_of(code); }
std::string S3Error::effective_message() const {
  return message.empty() ? std::string(default_message_of(code)) : message;
}

S3Error make_error(ErrorCode code, std::string message) {
  S3Error e;
  e.code = code;
  e.message = std::move(message);
  return e;
}

}  // namespace xs3
