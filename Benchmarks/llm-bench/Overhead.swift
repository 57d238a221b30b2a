import ArgumentParser
import CCurl
import Foundation
import LLMEnv
import LLMStubServer
import TroupeCore

extension LLMBench {
    /// `llm-bench overhead`: the `openai` backend's own cost per request.
    ///
    /// Three clients ask the same server the same one-token question, one request at a time, in
    /// interleaved blocks (so drift in the machine's load hits all alike):
    /// - `curl`: a bare libcurl easy handle, reused, `curl_easy_perform` in a loop: the HTTP
    ///   exchange alone, the floor;
    /// - `backend`: `OpenAIBackend.complete` (JSON body, endpoint limit, the multi driver's thread
    ///   hand-off, continuation, parsing);
    /// - `env`: a `llm-v0` step through the registry's wrappers (action parsing, cache key, info).
    /// The overhead of a client is its median latency minus the bare loop's.
    struct Overhead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure what the openai backend adds to a request, against a bare libcurl loop.")

        @Option(help: "The endpoint's base URL (default: a stub server started in this process).")
        var url: String?

        @Option(help: "The model name to send.")
        var model = "stub"

        @Option(help: "Requests per client.")
        var requests = 2_000

        @Option(name: .customLong("max-tokens"), help: "max_tokens of each request.")
        var maxTokens = 1

        @Flag(help: "Print the report as JSON.")
        var json = false

        func validate() throws {
            guard requests >= 100 else { throw ValidationError("--requests must be at least 100") }
        }

        func run() async throws {
            let server: StubHTTPServer? =
                url == nil
                ? try StubHTTPServer(recordRequests: false) { .completion("ok", for: $0, completionTokens: 1) } : nil
            defer { server?.stop() }
            let base = url ?? server!.baseURL
            let question = "Say ok."
            let body: JSONValue = [
                "model": .string(model), "messages": [["role": "user", "content": .string(question)]],
                "temperature": 0.0, "max_tokens": .number(maxTokens),
            ]
            let bare = BareCurlClient(url: base + "/chat/completions", body: body.serializedBytes())

            let endpoint: JSONObject = ["base_url": .string(base), "max_attempts": 1]
            let shared = SharedResources()
            let backend = try await OpenAIBackend.kind.prepare(endpoint).make(shared)
            var backendConfig = endpoint
            backendConfig["kind"] = "openai"
            let request = LLMRequest(
                model: model, input: .chat([ChatMessage(role: "user", content: question)]),
                sampling: SamplingParameters(temperature: 0, maxTokens: maxTokens))
            let env = try await EnvRegistry([LLMEnv.registration]).make(
                "llm-v0", config: ["backend": .object(backendConfig), "model": .string(model)],
                context: MakeContext(seed: 1, shared: shared))
            _ = try await env.reset(seed: 1, options: .null)
            let action: JSONValue = ["messages": [["role": "user", "content": .string(question)]], "max_tokens": .number(maxTokens)]

            let clock = ContinuousClock()
            var curl = Samples()
            var viaBackend = Samples()
            var viaEnv = Samples()
            let block = 50
            progress("overhead: \(requests) requests per client against \(base), in blocks of \(block)")
            _ = try await bare.run(count: block)  // warm-up: connections, page cache, branch predictors
            for _ in 0..<block { _ = try await backend.complete(request) }
            for _ in 0..<block { _ = try await step(env, action) }
            while curl.count < requests {
                curl.add(contentsOf: try await bare.run(count: block))
                for _ in 0..<block {
                    let start = clock.now
                    _ = try await backend.complete(request)
                    viaBackend.add((clock.now - start).seconds)
                }
                for _ in 0..<block {
                    let start = clock.now
                    _ = try await step(env, action)
                    viaEnv.add((clock.now - start).seconds)
                }
            }
            await env.close()

            let rows: [(String, Samples)] = [("curl", curl), ("backend", viaBackend), ("env", viaEnv)]
            let floor = curl.median
            if json {
                let report: JSONValue = .object(
                    JSONObject(
                        uniqueKeysWithValues: rows.map { name, samples in
                            (
                                name,
                                [
                                    "p50_us": .double(samples.median * 1e6), "p99_us": .double(samples.percentile(99) * 1e6),
                                    "overhead_us": .double((samples.median - floor) * 1e6),
                                ] as JSONValue
                            )
                        }))
                print(report.serialized())
            } else {
                print("client    p50 µs   p99 µs   overhead vs curl (p50) µs")
                for (name, samples) in rows {
                    print(
                        name.padding(toLength: 8, withPad: " ", startingAt: 0) + "  "
                            + format(samples.median * 1e6).leftPadded(7) + "  "
                            + format(samples.percentile(99) * 1e6).leftPadded(7) + "  "
                            + format((samples.median - floor) * 1e6).leftPadded(9))
                }
            }
        }
    }
}

/// A step that starts a new episode when the step limit ends one.
func step(_ env: any Environment, _ action: JSONValue) async throws -> StepResult {
    let result = try await env.step(action)
    if result.done { _ = try await env.reset(seed: nil, options: .null) }
    return result
}

/// The floor: one reused libcurl easy handle doing blocking POSTs on its own thread.
final class BareCurlClient: @unchecked Sendable {
    let url: String
    let body: [UInt8]

    init(url: String, body: [UInt8]) {
        self.url = url
        self.body = body
    }

    /// Latencies of `count` sequential requests, in seconds.
    func run(count: Int) async throws -> [Double] {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { [self] in continuation.resume(with: Result { try loop(count: count) }) }
            thread.start()
        }
    }

    private func loop(count: Int) throws -> [Double] {
        guard let easy = curl_easy_init() else { throw ValidationError("libcurl: no handle") }
        defer { curl_easy_cleanup(easy) }
        var headers = curl_slist_append(nil, "Content-Type: application/json")
        headers = curl_slist_append(headers, "Expect:")
        defer { curl_slist_free_all(headers) }
        _ = troupe_curl_easy_setopt_string(easy, CURLOPT_URL, url)
        _ = troupe_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = troupe_curl_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, headers)
        _ = troupe_curl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
        _ = body.withUnsafeBytes { bytes in
            troupe_curl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
        }
        _ = troupe_curl_easy_setopt_write_callback(easy, CURLOPT_WRITEFUNCTION) { _, size, count, _ in size * count }
        let clock = ContinuousClock()
        var latencies: [Double] = []
        for _ in 0..<count {
            let start = clock.now
            let code = curl_easy_perform(easy)
            latencies.append((clock.now - start).seconds)
            var status = 0
            _ = troupe_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            guard code == CURLE_OK, status == 200 else {
                throw ValidationError("the bare client failed: \(String(cString: curl_easy_strerror(code))), HTTP \(status)")
            }
        }
        return latencies
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
