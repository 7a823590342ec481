#pragma once
// Tag sets of objects and buckets: the Tagging document, the x-amz-tagging header and the rules
// S3 checks on both (count, lengths, characters, unique keys, no aws: keys).
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/s3_error.h"

namespace xs3::api {

using TagList = std::vector<std::pair<std::string, std::string>>;

enum class TagTarget { Object, Bucket };

// <Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>, namespace optional. An empty
// body is MissingRequestBodyError; a document that is not that one, MalformedXML.
std::variant<TagList, S3Error> TagsFromXml(std::string_view body, TagTarget target);

// x-amz-tagging on PutObject, CopyObject and CreateMultipartUpload: URL query form
// ("a=1&b=2", '+' is a space, a key without '=' has the empty value).
std::variant<TagList, S3Error> TagsFromHeader(const std::string& header);

// The GetObjectTagging / GetBucketTagging document.
std::string TaggingXml(const TagList& tags);

}  // namespace xs3::api
