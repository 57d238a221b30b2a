import Foundation

/// A counter safe to bump from the stub server's threads, and a gauge of requests in flight.
public final class Counter: @unchecked Sendable {
    private let condition = NSCondition()
    private var value = 0
    private var peak = 0
    private var current = 0

    public init() {}

    /// Adds one and returns the new count.
    public func next() -> Int {
        condition.withLock {
            value += 1; return value
        }
    }
    public var count: Int { condition.withLock { value } }

    /// Counts a request in flight and holds it until `target` are in flight at once (or `timeout`
    /// seconds pass, so a failing test ends), then lets it go. `maxInFlight` then tells how many
    /// were in flight together, whatever the machine's speed.
    public func holdUntil(_ target: Int, timeout: Double = 10) {
        condition.lock()
        current += 1
        peak = max(peak, current)
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while peak < target, condition.wait(until: deadline) {}
        current -= 1
        condition.unlock()
    }

    public var maxInFlight: Int { condition.withLock { peak } }
}
