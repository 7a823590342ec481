#pragma once
// The parsed HTTP request head as api/ takes it. Shared by the server and the fuzz targets, so
// the fuzzers see exactly the request the server would hand to the Service.
#include <boost/beast/http.hpp>

#include "api/request.h"

namespace xs3::server {

api::Request ToApiRequest(const boost::beast::http::request<boost::beast::http::buffer_body>& head,
                          const boost::beast::http::request_parser<boost::beast::http::buffer_body>& parser);

}  // namespace xs3::server
