#include "api/response.h"

#include "api/xml_writer.h"

namespace xs3::api {

Response ErrorResponse(const S3Error& error, const std::string& request_id, bool is_head) {
  Response r;
  r.status = error.http_status();
  if (error.code == ErrorCode::NotModified || is_head) {
    // HEAD and 304 carry no body; S3 still tells the code in a header for HEAD.
    r.head_only = is_head;
    return r;
  }
  XmlWriter x("Error", false);
  x.Element("Code", error.code_name()).Element("Message", error.effective_message());
  if (!error.resource.empty()) x.Element("Resource", error.resource);
  if (!error.extra_xml.empty()) x.Raw(error.extra_xml);
  x.Element("RequestId", request_id).Element("HostId", request_id);
  r.body = x.Finish();
  r.SetHeader("Content-Type", "application/xml");
  return r;
}

Response XmlResponse(int status, std::string xml) {
  Response r;
  r.status = status;
  r.body = std::move(xml);
  r.SetHeader("Content-Type", "application/xml");
  return r;
}

}  // namespace xs3::api
