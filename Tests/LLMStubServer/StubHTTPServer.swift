import Foundation
import TroupeCore

/// A small HTTP/1.1 server on 127.0.0.1 for fault tests and overhead benchmarks of the `openai`
/// backend: it answers each request as its handler says, including the ways real endpoints fail
/// (429 with `Retry-After`, 500, hanging, closing mid-body, malformed JSON).
///
/// Blocking sockets, one thread per connection, keep-alive as HTTP/1.1 has it. It counts accepted
/// connections (to check connection reuse) and records requests (to check attempts and headers).
/// `stop()` closes every socket and releases hanging handlers, so a test never leaves threads
/// blocked behind it.
public final class StubHTTPServer: @unchecked Sendable {
    public typealias Handler = @Sendable (StubRequest) -> StubBehavior

    /// The port it listens on (chosen by the kernel).
    public let port: Int
    /// `http://127.0.0.1:PORT/v1`, the `base_url` to give the backend.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    private let listener: Int32
    private let handler: Handler
    private let lock = NSCondition()
    private var stopped = false
    private var openSockets: Set<Int32> = []
    private var accepted = 0
    private var received: [StubRequest] = []
    private let recordsRequests: Bool

    /// Starts listening. `recordRequests: false` keeps memory flat in long benchmarks.
    public init(recordRequests: Bool = true, handler: @escaping Handler) throws {
        self.handler = handler
        self.recordsRequests = recordRequests
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StubServerError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 1024) == 0 else {
            close(fd)
            throw StubServerError("bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "stub-http-accept"
        thread.start()
    }

    deinit { stop() }

    /// Connections accepted so far.
    public var connectionsAccepted: Int { lock.withLock { accepted } }

    /// Requests received so far, in arrival order.
    public var requests: [StubRequest] { lock.withLock { received } }

    /// Closes the listener and every connection, and wakes hanging handlers.
    public func stop() {
        lock.lock()
        guard !stopped else {
            lock.unlock()
            return
        }
        stopped = true
        for fd in openSockets { shutdown(fd, Int32(SHUT_RDWR)) }
        lock.broadcast()
        lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            var yes: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            lock.lock()
            if stopped {
                lock.unlock()
                close(fd)
                return
            }
            accepted += 1
            openSockets.insert(fd)
            lock.unlock()
            let thread = Thread { [self] in serve(fd) }
            thread.name = "stub-http-conn"
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        var reader = SocketReader(fd: fd)
        defer {
            lock.withLock { _ = openSockets.remove(fd) }
            close(fd)
        }
        while let request = reader.readRequest(onExpectContinue: {
            _ = send(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }) {
            if recordsRequests { lock.withLock { received.append(request) } }
            switch handler(request) {
            case .respond(let status, let headers, let body):
                var head = "HTTP/1.1 \(status) \(StubHTTPServer.reason(status))\r\nContent-Length: \(body.count)\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                guard send(fd, Array((head + "\r\n").utf8) + body) else { return }
                if request.header("connection")?.lowercased() == "close" { return }
            case .hang:
                lock.lock()
                while !stopped { lock.wait() }
                lock.unlock()
                return
            case .closeMidBody(let status, let declaredLength, let sent):
                let head =
                    "HTTP/1.1 \(status) \(StubHTTPServer.reason(status))\r\nContent-Length: \(declaredLength)\r\n\r\n"
                _ = send(fd, Array(head.utf8) + sent)
                return
            case .close:
                return
            case .raw(let bytes):
                _ = send(fd, bytes)
                return
            }
        }
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written <= 0 {
                if written < 0 && errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    static func reason(_ status: Int) -> String {
        [
            200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
            429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
        ][status] ?? "Status"
    }
}

/// A request as the stub server read it.
public struct StubRequest: Sendable {
    public var method: String
    public var path: String
    /// Header fields, names lowercased.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? { headers.first(where: { $0.name == name })?.value }

    /// The body as JSON, if it is.
    public var json: JSONValue? { try? JSONValue.parse(body) }
}

/// What the stub server does with a request.
public enum StubBehavior: Sendable {
    /// Answers with this status, headers and body, and keeps the connection open.
    case respond(status: Int, headers: [(String, String)], body: [UInt8])
    /// Reads the request and never answers (until the server stops).
    case hang
    /// Sends the status line and a `Content-Length` of `declaredLength`, then only `sent`, then
    /// closes the connection.
    case closeMidBody(status: Int, declaredLength: Int, sent: [UInt8])
    /// Closes the connection without answering.
    case close
    /// Sends these bytes as the whole answer (status line, header fields and body exactly as
    /// given: chunked, or with no length at all) and closes the connection.
    case raw([UInt8])

    /// A JSON answer.
    public static func json(_ value: JSONValue, status: Int = 200, headers: [(String, String)] = []) -> StubBehavior {
        .respond(
            status: status, headers: [("Content-Type", "application/json")] + headers, body: value.serializedBytes())
    }

    /// An OpenAI-style answer to `request` with `text` (a chat completion or a completion, as the
    /// request's path asks).
    public static func completion(
        _ text: String, for request: StubRequest, finishReason: String = "stop", promptTokens: Int = 5,
        completionTokens: Int? = nil
    ) -> StubBehavior {
        let isChat = request.path.split(separator: "?").first?.hasSuffix("/chat/completions") ?? false
        let choice: JSONValue =
            isChat
            ? [
                "index": 0, "message": ["role": "assistant", "content": .string(text)],
                "finish_reason": .string(finishReason),
            ]
            : ["index": 0, "text": .string(text), "finish_reason": .string(finishReason)]
        let completion = completionTokens ?? text.split(separator: " ").count
        return .json([
            "id": "stub-1", "object": isChat ? "chat.completion" : "text_completion", "created": 0,
            "model": request.json?["model"] ?? "stub", "choices": [choice],
            "usage": [
                "prompt_tokens": .number(promptTokens), "completion_tokens": .number(completion),
                "total_tokens": .number(promptTokens + completion),
            ],
        ])
    }

    /// An OpenAI-style error body.
    public static func error(
        _ status: Int, message: String, type: String = "invalid_request_error", code: String? = nil,
        headers: [(String, String)] = []
    ) -> StubBehavior {
        .json(
            ["error": ["message": .string(message), "type": .string(type), "code": code.map { .string($0) } ?? .null]],
            status: status, headers: headers)
    }
}

public struct StubServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Reads HTTP/1.1 requests (head and `Content-Length` body) from a blocking socket.
struct SocketReader {
    let fd: Int32
    var buffer: [UInt8] = []

    mutating func readRequest(onExpectContinue: () -> Void) -> StubRequest? {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            if let range = buffer.firstRange(of: separator) {
                headEnd = range.lowerBound
            } else if !fill() {
                return nil
            }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd! + 4)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append(
                (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let length = headers.first(where: { $0.name == "content-length" }).flatMap { Int($0.value) } ?? 0
        if headers.contains(where: { $0.name == "expect" && $0.value.lowercased() == "100-continue" }) {
            onExpectContinue()
        }
        while buffer.count < length {
            guard fill() else { return nil }
        }
        let body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return StubRequest(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body)
    }

    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        buffer += chunk[..<count]
        return true
    }
}
