#include "tools_curl.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

// curl_global_init is not thread-safe; run it exactly once before the first handle.
static void global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct sink {
    char *data;
    size_t length;
    size_t capacity;
    size_t limit;
    int truncated;
} sink;

static size_t write_body(char *chunk, size_t size, size_t count, void *user) {
    sink *s = (sink *)user;
    size_t incoming = size * count;
    size_t room = s->limit > s->length ? s->limit - s->length : 0;
    size_t keep = incoming < room ? incoming : room;
    if (keep < incoming) s->truncated = 1;
    if (keep > 0) {
        if (s->length + keep > s->capacity) {
            size_t capacity = s->capacity ? s->capacity : 4096;
            while (capacity < s->length + keep) capacity *= 2;
            char *grown = realloc(s->data, capacity);
            if (!grown) return 0;  // aborts the transfer with CURLE_WRITE_ERROR
            s->data = grown;
            s->capacity = capacity;
        }
        memcpy(s->data + s->length, chunk, keep);
        s->length += keep;
    }
    return incoming;  // consume everything so that a long body is cut, not an error
}

int tools_curl_perform(
    const char *url, const char *method, const char *const *headers, size_t header_count,
    const char *body, size_t body_length, long timeout_ms, size_t max_body_bytes,
    tools_curl_result *result) {
    pthread_once(&global_once, global_init);
    memset(result, 0, sizeof(*result));
    CURL *easy = curl_easy_init();
    if (!easy) return -1;

    sink s = {0};
    s.limit = max_body_bytes;
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) {
        struct curl_slist *next = curl_slist_append(list, headers[i]);
        if (!next) break;
        list = next;
    }

    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, result->error);
    if (list) curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(easy, CURLOPT_POST, 1L);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)(body ? body_length : 0));
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
        if (body) {
            curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)body_length);
        }
    }

    CURLcode code = curl_easy_perform(easy);
    result->curl_code = (int)code;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &result->status);
    if (code != CURLE_OK && result->error[0] == '\0') {
        strncpy(result->error, curl_easy_strerror(code), sizeof(result->error) - 1);
    }
    result->body = s.data;
    result->body_length = s.length;
    result->truncated = s.truncated;

    curl_slist_free_all(list);
    curl_easy_cleanup(easy);
    return 0;
}

void tools_curl_result_free(tools_curl_result *result) {
    free(result->body);
    result->body = NULL;
    result->body_length = 0;
}
