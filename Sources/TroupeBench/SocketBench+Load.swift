import Dispatch
import Foundation
import TroupeCore
import TroupeWire

/// Where a load goes: `envd` or the echo floor, over a Unix socket or loopback TCP.
struct Target: Sendable {
    var unixPath: String?
    var port: Int?
    /// An echo server: answers are the request frames themselves.
    var echo: Bool

    init(unix path: String, echo: Bool) {
        unixPath = path
        self.echo = echo
    }

    init(port: Int, echo: Bool) {
        self.port = port
        self.echo = echo
    }

    func connect() throws -> LineSocket {
        if let unixPath { return try LineSocket(unixPath: unixPath) }
        return try LineSocket(host: "127.0.0.1", port: port!)
    }
}

/// The clients of one run: `clients` threads, each with its own connection and `batch` sessions,
/// stepping with the registration's action sampler until the time is up.
struct Load: Sendable {
    let registration: EnvRegistration
    let config: JSONValue
    let clients: Int
    /// Steps per frame (1: plain step requests; more: batch frames).
    let batch: Int
    let seconds: Double
    let cores: [Int]

    /// What one client thread measured.
    struct ClientResult: Sendable {
        var steps = 0
        var roundTrips = 0
        var latencies: [UInt64] = []
        var failure: String?
    }

    func measure(_ target: Target) throws -> SocketBench.Measurement {
        let warmup = UInt64(seconds * 0.2 * 1e9)
        let start = DispatchTime.now().uptimeNanoseconds + 50_000_000  // connect everyone first
        let measureFrom = start + warmup
        let measureUntil = measureFrom + UInt64(seconds * 1e9)
        let results = ResultBox(count: clients)
        let done = DispatchGroup()
        for index in 0..<clients {
            done.enter()
            let thread = Thread { [self] in
                Placement.pinCurrentThread(to: cores)
                var result = ClientResult()
                do {
                    try run(target, index: index, from: measureFrom, until: measureUntil, into: &result)
                } catch {
                    result.failure = "\(error)"
                }
                results.set(index, result)
                done.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        done.wait()
        let all = results.values
        if let failure = all.compactMap(\.failure).first { throw BenchError("a benchmark client failed: \(failure)") }
        var latencies = all.flatMap(\.latencies)
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            return Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1000
        }
        return SocketBench.Measurement(
            steps: all.reduce(0) { $0 + $1.steps }, roundTrips: all.reduce(0) { $0 + $1.roundTrips },
            seconds: Double(measureUntil - measureFrom) / 1e9, p50Microseconds: percentile(0.5),
            p99Microseconds: percentile(0.99))
    }

    /// One client: make its sessions (envd) and step them until `until`, recording round trips
    /// that start after `from`.
    private func run(_ target: Target, index: Int, from: UInt64, until: UInt64, into result: inout ClientResult) throws
    {
        let socket = try target.connect()
        let parser = JSONParser()
        var rng = SeededRNG(seed: UInt64(index) &+ 1, stream: "bench-actions")
        var requestID: Int64 = 0
        var frame: [UInt8] = []
        /// Sends a request and reads its answer with `read`, straight from json-c's tree.
        func call<T>(_ request: Request, _ read: (JSONCNode) throws -> T) throws -> T {
            requestID += 1
            frame.removeAll(keepingCapacity: true)
            request.writeFrame(id: .int(requestID), into: &frame)
            try socket.send(frame)
            return try socket.withLine { line in try parser.withParsed(line, read) }
        }
        func call(_ request: Request) throws -> JSONValue { try call(request) { try $0.jsonValue() } }
        // Sessions: real ones on envd; placeholders for the echo, which answers with the request.
        var sessions: [String] = []
        var observations: [(JSONValue, JSONObject)] = []
        for slot in 0..<batch {
            if target.echo {
                sessions.append("s\(slot + 1)")
                observations.append((.string(""), [:]))
                continue
            }
            let seed = UInt64(index * batch + slot + 1)
            let made = try call(.make(MakeRequest(env: registration.spec.id, config: config, seed: seed)))
            guard let session = made["session"]?.stringValue else { throw BenchError("make failed: \(made)") }
            let reset = try call(.session(session, .reset(seed: seed, options: .null)))
            guard let first = try? ResetResult(wire: reset.objectValue ?? [:]) else {
                throw BenchError("reset failed: \(reset)")
            }
            sessions.append(session)
            observations.append((first.observation, first.info))
        }
        var ended = Array(repeating: false, count: batch)
        result.latencies.reserveCapacity(Int(seconds * 200_000) / max(1, clients))
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= until { break }
            let request: Request
            var stepsInFrame = 0
            if batch == 1 {
                if ended[0] {
                    let reset = try call(.session(sessions[0], .reset(seed: nil, options: .null)))
                    let first = try ResetResult(wire: reset.objectValue ?? [:])
                    observations[0] = (first.observation, first.info)
                    ended[0] = false
                }
                request = .session(
                    sessions[0], .step(registration.sampleAction(observations[0].0, observations[0].1, &rng)))
                stepsInFrame = 1
            } else {
                var items: [BatchItem] = []
                items.reserveCapacity(batch)
                for slot in 0..<batch {
                    if ended[slot] {
                        items.append(.reset(sessions[slot]))
                    } else {
                        items.append(
                            .step(
                                sessions[slot],
                                registration.sampleAction(observations[slot].0, observations[slot].1, &rng)))
                        stepsInFrame += 1
                    }
                }
                request = .batch(items)
            }
            let sent = DispatchTime.now().uptimeNanoseconds
            var received: UInt64 = 0
            try call(request) { answer in
                received = DispatchTime.now().uptimeNanoseconds  // parsed, not yet read
                // The echo answers with the request: the client reads it as a whole, as it reads
                // envd's answers below, so that both sides of the ratio include a client's work.
                if target.echo {
                    _ = try answer.jsonValue()
                } else if batch == 1 {
                    let step = try StepResult(reading: answer)
                    observations[0] = (step.observation, step.info)
                    ended[0] = step.done
                } else {
                    guard let results = answer.member("results"), results.arrayCount == batch else {
                        throw BenchError("batch failed: \(try answer.jsonValue().serialized().prefix(300))")
                    }
                    for slot in 0..<batch {
                        let item = results.element(slot)
                        guard item.member("ok")?.boolValue == true else {
                            throw BenchError("batch item failed: \(try item.jsonValue())")
                        }
                        if ended[slot] {
                            let first = try ResetResult(reading: item)
                            observations[slot] = (first.observation, first.info)
                            ended[slot] = false
                        } else {
                            let step = try StepResult(reading: item)
                            observations[slot] = (step.observation, step.info)
                            ended[slot] = step.done
                        }
                    }
                }
            }
            if sent >= from {
                result.latencies.append(received - sent)
                result.steps += stepsInFrame
                result.roundTrips += 1
            }
        }
        if !target.echo {
            for session in sessions { _ = try? call(.session(session, .close)) }
        }
    }
}

/// Results written by the client threads, one slot each.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Load.ClientResult]

    init(count: Int) { slots = Array(repeating: Load.ClientResult(), count: count) }

    func set(_ index: Int, _ result: Load.ClientResult) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    var values: [Load.ClientResult] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
