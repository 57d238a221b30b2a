import Foundation
import LLMStubServer
import Testing
import TroupeHTTP

/// What the driver thread guarantees across requests: connections are reused, hundreds of
/// transfers run at once, cancellation aborts a transfer and frees nothing twice, and `shutdown`
/// ends every transfer.
@Suite struct HTTPClientLifecycleTests {
    func request(_ server: StubHTTPServer, _ path: String, timeout: Double = 30) -> HTTPRequest {
        HTTPRequest(url: "http://127.0.0.1:\(server.port)\(path)", timeout: timeout)
    }

    static func answer(_ text: String) -> StubBehavior { .respond(status: 200, headers: [], body: Array(text.utf8)) }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        let server = try StubHTTPServer { request in HTTPClientLifecycleTests.answer(request.path) }
        defer { server.stop() }
        for index in 0..<20 {
            let response = try await HTTPClient.shared.perform(request(server, "/\(index)"))
            #expect(response.body == Array("/\(index)".utf8))
        }
        #expect(server.connectionsAccepted == 1)
    }

    @Test func hundredsOfTransfersAreInFlightAtOnce() async throws {
        let count = 200
        let inFlight = Counter()
        let server = try StubHTTPServer(recordRequests: false) { request in
            inFlight.holdUntil(count, timeout: 20)
            return HTTPClientLifecycleTests.answer(request.path)
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }
        let bodies = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for index in 0..<count {
                group.addTask { try await client.perform(request(server, "/\(index)")).body }
            }
            return try await group.reduce(into: Set<[UInt8]>()) { $0.insert($1) }
        }
        #expect(bodies == Set((0..<count).map { Array("/\($0)".utf8) }), "each answer reaches its own caller")
        #expect(inFlight.maxInFlight == count)
    }

    @Test func cancellingATaskAbortsItsTransfer() async throws {
        let server = try StubHTTPServer { request in
            request.path == "/hang" ? .hang : HTTPClientLifecycleTests.answer("ok")
        }
        defer { server.stop() }
        let stuck = Task { try await HTTPClient.shared.perform(request(server, "/hang", timeout: 60)) }
        while server.requests.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        stuck.cancel()
        let outcome = await stuck.result
        #expect(throws: CancellationError.self) { try outcome.get() }

        // A task cancelled before it asks sends nothing.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await HTTPClient.shared.perform(request(server, "/never"))
        }
        let earlyOutcome = await early.result
        #expect(throws: CancellationError.self) { try earlyOutcome.get() }
        #expect(server.requests.map(\.path) == ["/hang"])

        // The client goes on serving.
        #expect(try await HTTPClient.shared.perform(request(server, "/after")).body == Array("ok".utf8))
    }

    @Test func shutdownEndsRunningTransfersAndRefusesNewOnes() async throws {
        let server = try StubHTTPServer { _ in .hang }
        defer { server.stop() }
        let client = HTTPClient(maxConnections: 4)
        let stuck = Task { try await client.perform(request(server, "/hang", timeout: 60)) }
        while server.requests.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        client.shutdown()
        let outcome = await stuck.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        await #expect(throws: CancellationError.self) { _ = try await client.perform(request(server, "/later")) }
        client.shutdown()  // a second call returns at once
    }
}
