// A minimal blocking HTTP exchange on libcurl for the tools environment.
//
// Swift cannot call curl_easy_setopt (it is variadic), so the whole exchange is one C function
// with typed arguments. It never follows redirects (a redirect could leave the configured hosts),
// speaks only HTTP and HTTPS, never raises SIGPIPE/SIGALRM (CURLOPT_NOSIGNAL), and caps the body
// it keeps in memory.
#ifndef TOOLS_CURL_H
#define TOOLS_CURL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What one exchange produced. Free with tools_curl_result_free.
typedef struct tools_curl_result {
    /// CURLcode of the transfer (0 = the server answered; any status).
    int curl_code;
    /// HTTP status (0 when no response arrived).
    long status;
    /// The response body (not NUL-terminated; may be NULL when empty).
    char *body;
    size_t body_length;
    /// 1 when the body was longer than max_body_bytes and was cut.
    int truncated;
    /// curl's error text for a failed transfer (empty otherwise).
    char error[256];
} tools_curl_result;

/// Performs one request. `method` is "GET" or "POST" (any other verb is sent as a custom
/// request). `headers` holds `header_count` "Name: value" strings. `body` may be NULL.
/// Returns 0 when the result was filled in, -1 when no handle could be made (out of memory).
int tools_curl_perform(
    const char *url, const char *method, const char *const *headers, size_t header_count,
    const char *body, size_t body_length, long timeout_ms, size_t max_body_bytes,
    tools_curl_result *result);

/// Releases the body of a result.
void tools_curl_result_free(tools_curl_result *result);

#ifdef __cplusplus
}
#endif

#endif
