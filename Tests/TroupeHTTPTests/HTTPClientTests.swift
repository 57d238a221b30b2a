import Foundation
import LLMStubServer
import Testing
import TroupeHTTP

/// `HTTPClient` against `StubHTTPServer` on 127.0.0.1: what goes out (verbs, fields, bodies), what
/// comes back, and every documented failure: redirects, the size cap, timeouts, refused and broken
/// connections, cancellation, invalid requests, shutdown.
@Suite struct HTTPClientTests {
    let client = HTTPClient.shared

    /// Echoes the request: its verb and a test field as header fields, its body as the body.
    static func echo(_ request: StubRequest) -> StubBehavior {
        .respond(
            status: 200,
            headers: [("X-Method", request.method), ("X-Seen", request.header("x-test") ?? "(none)")],
            body: request.method == "HEAD" ? [] : request.body)
    }

    func url(_ server: StubHTTPServer, _ path: String = "/echo") -> String { "http://127.0.0.1:\(server.port)\(path)" }

    /// The error `request` fails with (nil when it is answered).
    func failure(of request: HTTPRequest) async -> HTTPClientError? {
        do {
            _ = try await client.perform(request)
            return nil
        } catch {
            return error as? HTTPClientError
        }
    }

    @Test(arguments: [
        ("GET", ""), ("POST", ""), ("POST", "{\"a\": 1}"), ("PUT", "put body"), ("PATCH", "patch"),
        ("DELETE", ""), ("GET", "a body on a GET"), ("HEAD", ""),
    ])
    func verbsFieldsAndBodiesReachTheServer(method: String, body: String) async throws {
        let server = try StubHTTPServer(handler: HTTPClientTests.echo)
        defer { server.stop() }
        let request = HTTPRequest(
            method: method, url: url(server), headers: [("X-Test", "yes"), ("X-Empty", "")], body: Array(body.utf8),
            timeout: 10)
        let response = try await client.perform(request)
        #expect(response.status == 200)
        #expect(response.header("x-method") == method, "header names are lowercased")
        #expect(response.header("x-seen") == "yes")
        #expect(response.body == (method == "HEAD" ? [] : Array(body.utf8)))
        #expect(!response.truncated)
        let sent = try #require(server.requests.first)
        #expect(sent.method == method)
        #expect(sent.body == Array(body.utf8))
        #expect(sent.header("x-empty") == "", "an empty value is sent as an empty field")
        #expect(sent.header("expect") == nil, "libcurl must not wait for 100-continue")
    }

    @Test func redirectsAreReturnedUnlessFollowed() async throws {
        let server = try StubHTTPServer { request in
            switch request.path {
            case "/start": return .respond(status: 302, headers: [("Location", "/middle")], body: [])
            case "/middle": return .respond(status: 302, headers: [("Location", "/end")], body: [])
            case "/away": return .respond(status: 302, headers: [("Location", "file:///etc/passwd")], body: [])
            default: return .respond(status: 200, headers: [], body: Array("arrived".utf8))
            }
        }
        defer { server.stop() }

        let returned = try await client.perform(HTTPRequest(url: url(server, "/start"), timeout: 10))
        #expect(returned.status == 302)
        #expect(returned.header("location") == "/middle")
        #expect(server.requests.count == 1, "the default never follows")

        let followed = try await client.perform(
            HTTPRequest(url: url(server, "/start"), timeout: 10, redirects: .follow(limit: 2)))
        #expect(followed.status == 200)
        #expect(followed.body == Array("arrived".utf8))
        #expect(followed.header("location") == nil, "only the final answer's fields are kept")

        await #expect(throws: HTTPClientError.self) {
            _ = try await client.perform(
                HTTPRequest(url: url(server, "/start"), timeout: 10, redirects: .follow(limit: 1)))
        }
        // Following never leaves http(s), whatever the server says.
        await #expect(throws: HTTPClientError.self) {
            _ = try await client.perform(
                HTTPRequest(url: url(server, "/away"), timeout: 10, redirects: .follow(limit: 5)))
        }
    }

    @Test func bodiesOverTheCapFailOrAreCut() async throws {
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 100_000)
        let unsized = Array("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".utf8) + big
        let server = try StubHTTPServer { request in
            request.path == "/unsized" ? .raw(unsized) : .respond(status: 200, headers: [], body: big)
        }
        defer { server.stop() }
        for path in ["/sized", "/unsized"] {
            // Declared (Content-Length) and undeclared (read until close) lengths alike.
            await #expect(throws: HTTPClientError.responseTooLarge(10_000), "\(path)") {
                _ = try await client.perform(HTTPRequest(url: url(server, path), timeout: 10, maxResponseBytes: 10_000))
            }
            let cut = try await client.perform(
                HTTPRequest(url: url(server, path), timeout: 10, maxResponseBytes: 10_000, oversized: .truncate))
            #expect(cut.status == 200)
            #expect(cut.truncated)
            #expect(cut.body == Array(big.prefix(10_000)))
            let exact = try await client.perform(
                HTTPRequest(url: url(server, path), timeout: 10, maxResponseBytes: big.count, oversized: .truncate))
            #expect(!exact.truncated)
            #expect(exact.body == big)
        }
    }

    @Test func eachRequestHasItsOwnTimeout() async throws {
        let server = try StubHTTPServer { request in request.path == "/hang" ? .hang : HTTPClientTests.echo(request) }
        defer { server.stop() }
        async let hanging = failure(of: HTTPRequest(url: url(server, "/hang"), timeout: 0.3))
        async let quick = client.perform(HTTPRequest(url: url(server), body: Array("hi".utf8), timeout: 30))
        #expect(try await quick.body == Array("hi".utf8))
        let error = await hanging
        guard case .timeout = error else {
            Issue.record("expected a timeout, got \(String(describing: error))")
            return
        }
    }

    @Test func brokenExchangesAreClassified() async throws {
        let server = try StubHTTPServer { request in
            request.path == "/close"
                ? .close : .closeMidBody(status: 200, declaredLength: 50, sent: Array("{\"partial".utf8))
        }
        defer { server.stop() }
        for path in ["/close", "/mid-body"] {
            let error = await failure(of: HTTPRequest(url: url(server, path), timeout: 10))
            guard case .connectionLost = error else {
                Issue.record("\(path): expected connectionLost, got \(String(describing: error))")
                continue
            }
        }
        let reserved = try ReservedPort()
        defer { reserved.release() }
        let refused = await failure(of: HTTPRequest(url: "http://127.0.0.1:\(reserved.port)/", timeout: 10))
        guard case .unreachable = refused else {
            Issue.record("expected unreachable, got \(String(describing: refused))")
            return
        }
    }

    @Test(arguments: [
        HTTPRequest(url: "http://127.0.0.1:1/", headers: [("X-Bad", "a\r\nInjected: yes")], timeout: 1),
        HTTPRequest(url: "http://127.0.0.1:1/", headers: [("Bad Name", "x")], timeout: 1),
        HTTPRequest(method: "GE T", url: "http://127.0.0.1:1/", timeout: 1),
        HTTPRequest(url: "http://127.0.0.1:1/a path", timeout: 1),
        HTTPRequest(url: "ftp://127.0.0.1:1/file", timeout: 1),
        HTTPRequest(url: "http://", timeout: 1),
        HTTPRequest(url: "http://127.0.0.1:1/", timeout: 0),
        HTTPRequest(url: "http://127.0.0.1:1/", timeout: 1, redirects: .follow(limit: 0)),
    ])
    func invalidRequestsFailBeforeTheNetwork(request: HTTPRequest) async throws {
        let error = await failure(of: request)
        guard case .invalidRequest(let reason) = error else {
            Issue.record("\(request.method) \(request.url): expected invalidRequest, got \(String(describing: error))")
            return
        }
        #expect(!reason.isEmpty)
    }
}
